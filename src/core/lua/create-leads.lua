-- Writes a batch of new leads of one run (the scrape's slice), each whole or not at all: a lead that
-- exists is left alone (a retried scrape must not reset progress). Every lead joins its run. One
-- call for the slice instead of create-lead.lua once per lead.
-- KEYS[1] the run's leads set
-- KEYS[2..] one lead hash per lead, in the order of the leads in ARGV
-- ARGV[1..] per lead: its ref, how many field, value pairs it has (n), then those n pairs
-- Returns how many leads were written.
local at = 1
local created = 0
for i = 2, #KEYS do
  local pairs = tonumber(ARGV[at + 1]) * 2
  redis.call('SADD', KEYS[1], ARGV[at])
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('HSET', KEYS[i], unpack(ARGV, at + 2, at + 1 + pairs))
    created = created + 1
  end
  at = at + 2 + pairs
end
return created
