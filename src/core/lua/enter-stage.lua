-- A lead's stage job starts: counts the lead into the stage once (when asked) and reads the lead,
-- in one round trip instead of two, leaving out the fields the stage never reads.
-- KEYS[1] run hash
-- KEYS[2] the stage's in-set
-- KEYS[3] lead hash
-- ARGV[1] lead ref
-- ARGV[2] stage
-- ARGV[3] now (ms): the stage's started_at when it is the first in
-- ARGV[4] '1' to count the lead in, '0' to only read it
-- ARGV[5..] fields to leave out of the reply (the send stage reads the approved steps, not the draft)
-- Returns the lead hash as HGETALL does, minus the left-out fields (empty when there is no such lead).
if ARGV[4] == '1' and redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[2] .. '.in', 1)
  redis.call('HSETNX', KEYS[1], ARGV[2] .. '.started_at', ARGV[3])
end
local flat = redis.call('HGETALL', KEYS[3])
if #ARGV < 5 then return flat end
local omit = {}
for i = 5, #ARGV do omit[ARGV[i]] = true end
local kept = {}
for i = 1, #flat, 2 do
  if not omit[flat[i]] then
    kept[#kept + 1] = flat[i]
    kept[#kept + 1] = flat[i + 1]
  end
end
return kept
