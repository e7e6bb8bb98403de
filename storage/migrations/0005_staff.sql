-- Staff accounts for the kiosk's staff mode: the PIN only as an argon2id
-- hash; consecutive failures lock the account for a while.
create table staff (
  id           text primary key,
  name         text not null,
  pin_hash     text not null,
  disabled     integer not null default 0,
  failures     integer not null default 0,
  locked_until text,
  created_at   text not null
) strict;
-- Staff can move a waiting visit up the queue; null keeps the check-in order.
alter table visits add column queue_pos real;
