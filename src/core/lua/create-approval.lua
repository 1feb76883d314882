-- Creates the pending approval record and its queue entry at once, or returns the existing record,
-- so a crash can never leave a half-written record that no decision can apply to.
-- KEYS[1] approval hash
-- KEYS[2] the pending approvals (sorted by creation time)
-- ARGV[1] approval id
-- ARGV[2] created at (ms): its score in the pending set
-- ARGV[3..] the record's field, value pairs
-- Returns {1} when created, else {0, the existing record's field, value pairs...}.
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, unpack(redis.call('HGETALL', KEYS[1]))} end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return {1}
