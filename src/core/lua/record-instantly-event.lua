-- Records an Instantly event once (the marker makes a retried job a no-op): the lead's timeline, the
-- day's and the campaign's counters, and for a send the rolling window of recent sends. The timeline
-- is a sorted set by event time: events arrive, and are processed, out of order.
-- KEYS[1] the event's processed marker
-- KEYS[2] the address's timeline
-- KEYS[3] the day's KPI hash
-- KEYS[4] the campaign's KPI hash
-- KEYS[5] the set of campaigns with KPIs
-- KEYS[6] the recent sends list (newest first)
-- ARGV[1] timeline entry (JSON)
-- ARGV[2] KPI field
-- ARGV[3] timeline entries kept
-- ARGV[4] retention (s): the marker's, the timeline's and the day's TTL
-- ARGV[5] campaign id ('' = none)
-- ARGV[6] address
-- ARGV[7] '1' for a send
-- ARGV[8] recent sends kept (the bounce-rate window)
-- ARGV[9] event time (ms)
-- Returns 1 when recorded, 0 for an event recorded before.
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[9], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[3]) - 1)
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
redis.call('EXPIRE', KEYS[3], ARGV[4])
if ARGV[5] ~= '' then
  redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
  redis.call('SADD', KEYS[5], ARGV[5])
end
if ARGV[7] == '1' then
  redis.call('LPUSH', KEYS[6], ARGV[6])
  redis.call('LTRIM', KEYS[6], 0, tonumber(ARGV[8]) - 1)
end
return 1
