-- No administrator's detour to personal data through a password reset (issue 13).
--
-- A password an administrator sets is temporary: the person must choose their own at the next
-- sign-in, before anything else, so a reset never goes unnoticed and the administrator's
-- password does not stay in use. Resetting the password of an account that reads personal data
-- is a request a second administrator approves, like granting such a role: the requested
-- password's hash waits in the request, and applies only on approval.

ALTER TABLE app_user ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;

ALTER TABLE role_request ADD COLUMN kind TEXT NOT NULL DEFAULT 'role';   -- role | password
ALTER TABLE role_request ADD COLUMN password_hash TEXT;                   -- kind = password
