-- A lead's stage job starts: counts the lead into the stage once (when asked) and reads the lead,
-- in one round trip instead of two.
-- KEYS[1] run hash
-- KEYS[2] the stage's in-set
-- KEYS[3] lead hash
-- ARGV[1] lead ref
-- ARGV[2] stage
-- ARGV[3] now (ms): the stage's started_at when it is the first in
-- ARGV[4] '1' to count the lead in, '0' to only read it
-- Returns the lead hash as HGETALL does (empty when there is no such lead).
if ARGV[4] == '1' and redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[2] .. '.in', 1)
  redis.call('HSETNX', KEYS[1], ARGV[2] .. '.started_at', ARGV[3])
end
return redis.call('HGETALL', KEYS[3])
