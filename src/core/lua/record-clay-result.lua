-- Stores the first Clay callback for a lead and says whether its enrichment is still waiting for it.
-- KEYS[1] lead hash
-- KEYS[2] the lead's Clay result
-- KEYS[3] the lead's Clay wait marker (set while its enrichment job waits)
-- KEYS[4] the list of late callbacks
-- ARGV[1] the callback (JSON)
-- ARGV[2] lead ref
-- ARGV[3] late callbacks kept
-- ARGV[4] late list TTL (s)
-- ARGV[5] result TTL (s)
-- Returns 'unknown_lead', 'duplicate', 'applied' (the job is waiting) or 'late'.
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown_lead' end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', tonumber(ARGV[5])) then return 'duplicate' end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'applied' end
redis.call('RPUSH', KEYS[4], ARGV[2])
redis.call('LTRIM', KEYS[4], -tonumber(ARGV[3]), -1)
redis.call('EXPIRE', KEYS[4], tonumber(ARGV[4]))
return 'late'
