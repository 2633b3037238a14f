-- Take back a seat just granted whose write to Postgres failed, when nothing may be promised for
-- it (the Redis it rests on does not keep every write): its stream entry, the seat and the
-- idempotent answer go, as if the attempt had never come. If the stream entry is gone already,
-- the persister has written the seat to Postgres (entries leave the stream only after their
-- commit), and nothing is taken back.
--
-- KEYS: 1 armed, 2 seats, 3 held, 4 idempotency key, 5 stream
-- ARGV: 1 database identity, 2 student id, 3 course id, 4 grab id (the stream entry)
-- Returns 1 when revoked, 0 when the seat is in Postgres already.

if #redis.call('XRANGE', KEYS[5], ARGV[4], ARGV[4]) == 0 then
  return 0
end
redis.call('XDEL', KEYS[5], ARGV[4])
redis.call('DEL', KEYS[4])
if redis.call('HGET', KEYS[1], 'db') ~= ARGV[1] then
  return 1
end
local held = redis.call('HGET', KEYS[3], ARGV[2])
if not held then
  return 1
end
local kept, found = {}, false
for course_id in string.gmatch(held, '%d+') do
  if course_id == ARGV[3] and not found then
    found = true
  else
    table.insert(kept, course_id)
  end
end
if found then
  if #kept == 0 then
    redis.call('HDEL', KEYS[3], ARGV[2])
  else
    redis.call('HSET', KEYS[3], ARGV[2], table.concat(kept, ','))
  end
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
end
return 1
