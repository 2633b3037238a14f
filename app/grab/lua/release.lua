-- Give a granted seat back (its write to Postgres failed for good, the place was given up, the
-- student was dismissed, removed or moved): only if the student holds it, so releasing twice
-- changes nothing. Nothing happens unless the term is armed from this database.
--
-- KEYS: 1 armed, 2 seats, 3 held, 4 idempotency key of the grab ('' when unknown)
-- ARGV: 1 database identity, 2 student id, 3 course id
-- Returns 1 when a seat was released, 0 when the student did not hold it (or not armed).

if redis.call('HGET', KEYS[1], 'db') ~= ARGV[1] then
  return 0
end
local held = redis.call('HGET', KEYS[3], ARGV[2])
if not held then
  return 0
end
local kept, found = {}, false
for course_id in string.gmatch(held, '%d+') do
  if course_id == ARGV[3] and not found then
    found = true
  else
    table.insert(kept, course_id)
  end
end
if not found then
  return 0
end
if #kept == 0 then
  redis.call('HDEL', KEYS[3], ARGV[2])
else
  redis.call('HSET', KEYS[3], ARGV[2], table.concat(kept, ','))
end
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
if KEYS[4] ~= '' then
  redis.call('DEL', KEYS[4])
end
return 1
