-- Give a granted seat back (its write to Postgres failed for good, or the school cancelled the
-- course): only if the student holds it, so releasing twice changes nothing.
--
-- KEYS: 1 seats, 2 held, 3 idempotency key of the grab ('' when unknown)
-- ARGV: 1 student id, 2 course id
-- Returns 1 when a seat was released, 0 when the student did not hold it.

local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held then
  return 0
end
local kept, found = {}, false
for course_id in string.gmatch(held, '%d+') do
  if course_id == ARGV[2] and not found then
    found = true
  else
    table.insert(kept, course_id)
  end
end
if not found then
  return 0
end
if #kept == 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], table.concat(kept, ','))
end
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
if KEYS[3] ~= '' then
  redis.call('DEL', KEYS[3])
end
return 1
