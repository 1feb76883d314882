-- Records a batch of leads reaching approval for the autonomy KPIs (segment-kpis.ts): each lead's
-- segment, run, time and ICP features, expiring, and the time index, trimmed of old entries once.
-- KEYS[1] the index of recorded leads (sorted by time, ms)
-- KEYS[2..] one record hash per lead, in the order of the leads in ARGV
-- ARGV[1] a record's TTL (s)
-- ARGV[2] index entries older than this (ms) are dropped
-- ARGV[3..] per lead five values: ref, at (ms), segment, run id, features (JSON)
-- Returns how many leads were recorded.
for i = 2, #KEYS do
  local a = 3 + (i - 2) * 5
  redis.call('HSET', KEYS[i], 'segment', ARGV[a + 2], 'run', ARGV[a + 3], 'at', ARGV[a + 1], 'features', ARGV[a + 4])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
  redis.call('ZADD', KEYS[1], ARGV[a + 1], ARGV[a])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
return #KEYS - 1
