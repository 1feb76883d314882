-- Counts a lead (or a batch) into a stage once, however often its job is retried.
-- KEYS[1] run hash
-- KEYS[2] the stage's in-set (members already counted in)
-- ARGV[1] member (lead ref, or a batch id)
-- ARGV[2] stage
-- ARGV[3] now (ms): the stage's started_at when it is the first in
-- ARGV[4] how many to count in
-- Returns 1 when counted now, 0 when the member was counted before.
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[2] .. '.in', tonumber(ARGV[4]))
  redis.call('HSETNX', KEYS[1], ARGV[2] .. '.started_at', ARGV[3])
  return 1
end
return 0
