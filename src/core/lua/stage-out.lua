-- Counts a lead (or a batch) out of a stage once, keeping the latest end time.
-- KEYS[1] run hash
-- KEYS[2] the stage's done-set (members already counted out)
-- ARGV[1] member (lead ref, or a batch id)
-- ARGV[2] stage
-- ARGV[3] outcome: out, dropped or errors
-- ARGV[4] now (ms): the stage's ended_at when later than the one stored
-- ARGV[5] how many to count out
-- Returns 1 when counted now, 0 when the member was counted before.
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[2] .. '.' .. ARGV[3], tonumber(ARGV[5]))
  local ended = tonumber(redis.call('HGET', KEYS[1], ARGV[2] .. '.ended_at') or '0')
  if tonumber(ARGV[4]) > ended then redis.call('HSET', KEYS[1], ARGV[2] .. '.ended_at', ARGV[4]) end
  return 1
end
return 0
