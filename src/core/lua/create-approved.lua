-- Creates an approval record already decided (auto-approve) together with its audit entry, or
-- returns the existing record: one step instead of a pending record, a decision and an append.
-- KEYS[1] approval hash
-- KEYS[2] the audit stream
-- ARGV[1] the audit stream's approximate length cap (XADD MAXLEN ~)
-- ARGV[2] how many field, value pairs the audit entry has (n)
-- ARGV[3..] the audit entry's n field, value pairs, then the record's field, value pairs
-- Returns {1} when created, else {0, the existing record's field, value pairs...}.
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, unpack(redis.call('HGETALL', KEYS[1]))} end
local n = tonumber(ARGV[2]) * 2
redis.call('HSET', KEYS[1], unpack(ARGV, 3 + n))
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 3, 2 + n))
return {1}
