-- 0002_job_effects: how many times each job's effect was committed (docs/RELIABILITY.md).
--
-- Delivery is at least once, so a job can be processed again after a crash between its
-- commit and its ack, or when its message is delivered twice. Its rows come out the same
-- (idempotent upserts), which also hides the doubling; this log makes it visible. Every
-- worker transaction that writes jobs' rows adds one row here, in the same transaction,
-- naming those jobs: one row per commit, not per job, so the log costs a batch one small
-- insert (a per-job upsert cost the drain benchmark 9%).
--
-- job_effects reads it per job: `commits` > 1 is a job processed more than once;
-- `followup_ids` adds up the track ids its commits sent to the builders.
--
-- Prune old rows by committed_at when they are no longer of interest (nothing reads them but
-- operators and tests).

CREATE TABLE job_commits (
  id            bigserial PRIMARY KEY,
  provider      text NOT NULL,
  committed_at  timestamptz NOT NULL DEFAULT now(),
  job_ids       text[] NOT NULL,
  followup_ids  integer[] NOT NULL,
  CONSTRAINT job_commits_lengths_check CHECK (cardinality(job_ids) = cardinality(followup_ids))
);
CREATE INDEX job_commits_committed_at_idx ON job_commits (committed_at);

CREATE VIEW job_effects AS
SELECT c.provider,
       j.job_id,
       count(*)::integer AS commits,
       sum(j.followup_ids)::integer AS followup_ids,
       min(c.committed_at) AS first_committed_at,
       max(c.committed_at) AS last_committed_at
FROM job_commits c, unnest(c.job_ids, c.followup_ids) AS j(job_id, followup_ids)
GROUP BY c.provider, j.job_id;

COMMENT ON TABLE job_commits IS 'one row per worker commit: the jobs whose rows it wrote (docs/RELIABILITY.md)';
COMMENT ON VIEW job_effects IS 'per (provider, job): how many commits wrote its rows; > 1 means processed again';
