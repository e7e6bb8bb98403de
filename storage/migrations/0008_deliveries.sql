-- Each destination of the hand-over (orca, files) keeps its own delivery of
-- every event: one added later, failing or removed leaves the others alone.
create table destinations (
  name       text primary key,
  since_day  text not null,                  -- the first business day it receives
  added_at   text not null,
  removed_at text
) strict;
create table deliveries (
  key          text not null references outbox (key),
  destination  text not null references destinations (name),
  attempts     integer not null default 0,
  tried        integer not null default 0,   -- requests started (see outbox.tried)
  next_attempt text not null,
  last_error   text not null default '',
  parked_at    text,
  done_at      text,
  primary key (key, destination)
) strict;
create index deliveries_due on deliveries (destination, done_at, parked_at, next_attempt);
-- outbox.done_at now means: every active destination has the event.
-- Events not handed over before destinations were tracked go to the
-- destinations configured first, with their attempts.
insert into settings select 'legacy_outbox', 'pending' where exists (select 1 from outbox where done_at is null);
-- What staff typed at a check-in by hand: name, kana, birth date, sex (JSON).
alter table visits add column patient text;
