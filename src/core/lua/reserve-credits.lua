-- Reserves a cost against a budget's day and month only if neither would go over.
-- KEYS[1] the budget's day counter
-- KEYS[2] the budget's month counter
-- ARGV[1] cost
-- ARGV[2] day limit (-1: none)
-- ARGV[3] month limit (-1: none)
-- ARGV[4] day counter TTL (s)
-- ARGV[5] month counter TTL (s)
-- Returns 'ok' when reserved, else the period that would go over: 'day' or 'month'.
local cost = tonumber(ARGV[1])
local day = tonumber(redis.call('GET', KEYS[1]) or '0')
local month = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[2]) >= 0 and day + cost > tonumber(ARGV[2]) then return 'day' end
if tonumber(ARGV[3]) >= 0 and month + cost > tonumber(ARGV[3]) then return 'month' end
redis.call('INCRBY', KEYS[1], cost)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('INCRBY', KEYS[2], cost)
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 'ok'
