-- Writes version 1 of the cluster's policy only when none exists.
-- KEYS[1] policy hash
-- ARGV[1] policy (JSON)
-- ARGV[2] by
-- ARGV[3] at (ISO)
-- Returns 1 when seeded, 0 when a policy existed.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'version', '1', 'policy', ARGV[1], 'updated_by', ARGV[2], 'updated_at', ARGV[3])
return 1
