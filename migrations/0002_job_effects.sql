-- 0002_job_effects: how many times each job's effect was committed (docs/RELIABILITY.md).
--
-- Delivery is at least once, so a job can be processed again after a crash between its
-- commit and its ack, or when its message is delivered twice. Its rows come out the same
-- (idempotent upserts), which also hides the doubling; this table makes it visible: the
-- worker adds one row per (provider, job) in the same transaction as the job's rows and
-- counts every further commit. `commits` > 1 is a job processed more than once;
-- `followup_ids` adds up the track ids its commits sent to the builders.
--
-- One small row per job and provider. Prune old rows by last_committed_at when they are no
-- longer of interest (nothing reads them but operators and tests).

CREATE TABLE job_effects (
  provider            text NOT NULL,
  job_id              text NOT NULL,
  commits             integer NOT NULL,
  followup_ids        integer NOT NULL,
  first_committed_at  timestamptz NOT NULL DEFAULT now(),
  last_committed_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT job_effects_pkey PRIMARY KEY (provider, job_id),
  CONSTRAINT job_effects_commits_check CHECK (commits > 0),
  CONSTRAINT job_effects_followup_ids_check CHECK (followup_ids >= 0)
);
CREATE INDEX job_effects_reprocessed_idx ON job_effects (provider) WHERE commits > 1;
