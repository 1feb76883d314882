-- The sandbox Instantly's add-lead: one atomic step, so a crash can never leave the key recorded
-- without the email, nor the email without its campaign entry (address -> provider ref).
-- KEYS[1] hash of idempotency keys already added
-- KEYS[2] list of sent emails
-- KEYS[3] the campaign's leads by address
-- ARGV[1] idempotency key
-- ARGV[2] the email (JSON)
-- ARGV[3] address
-- ARGV[4] provider ref
-- Returns 1.
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 1 then redis.call('RPUSH', KEYS[2], ARGV[2]) end
redis.call('HSETNX', KEYS[3], ARGV[3], ARGV[4])
return 1
