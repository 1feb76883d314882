-- Compare-and-set of the cluster's policy, so two approvers editing at once cannot both win.
-- KEYS[1] policy hash
-- ARGV[1] expected version ('' when none)
-- ARGV[2] new version
-- ARGV[3] policy (JSON)
-- ARGV[4] by
-- ARGV[5] at (ISO)
-- Returns {1, new version} when replaced, {0, current version} when another change came first.
local current = redis.call('HGET', KEYS[1], 'version') or ''
if current ~= ARGV[1] then return {0, current} end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'policy', ARGV[3], 'updated_by', ARGV[4], 'updated_at', ARGV[5])
return {1, ARGV[2]}
