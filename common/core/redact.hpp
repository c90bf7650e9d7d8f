#pragma once

#include <string>
#include <string_view>

namespace core {

// What replaces a credential's value. The name stays ("api_key=***", "amqp://tunefleet:***@h"),
// so a line still says which credential was involved.
inline constexpr std::string_view kRedacted = "***";

// The one redaction rule (docs/OPERATIONS.md, "Secrets in logs and messages"): `text` with the
// value of every credential it contains replaced by kRedacted. `text` may be a URL, a DSN, a
// header line, a JSON snippet or free error text with any number of these inside:
//   - URL userinfo: scheme://user:PASSWORD@host keeps the user; scheme://TOKEN@host (no colon)
//     loses all of it;
//   - name=VALUE wherever it appears (URL queries, libpq key=value DSNs, free text), with the
//     name percent-decoded and matched by IsSecretName; quoted values ('…', "…") are redacted
//     inside their quotes; a URL percent-encoded inside another URL's query is scrubbed too;
//   - "name": "VALUE" in JSON, for the same names;
//   - Name: VALUE header lines for IsSecretHeader names (Authorization keeps its scheme word);
//   - Bearer TOKEN and Basic TOKEN anywhere.
// Pure and thread safe. It errs towards hiding too much: a value is cut at the first space,
// '&', '#', quote or angle bracket, and anything that looks like a credential is hidden.
std::string Redact(std::string_view text);

// True for a parameter, DSN or JSON key naming a credential, in any case: api_key, apikey, key,
// token, access_token, secret, client_secret, signature, sig, api_sig, sk, password, passwd,
// pass, pwd, auth, and any name ending in password, passwd, secret, token, _key, -key, apikey.
bool IsSecretName(std::string_view name);

// True for an HTTP header whose value is a credential, in any case: Authorization,
// Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, Api-Key, and names ending in -token,
// -secret, -password or api-key.
bool IsSecretHeader(std::string_view name);

}  // namespace core
