-- Visits: one row per check-in. Personal data (the eligibility answer) is
-- purged after retention; the row, its number and status stay.
create table visits (
  id            text primary key,              -- random, stable across sync
  created_at    text not null,                 -- UTC, RFC 3339 with ms
  business_day  text not null,                 -- Tokyo date, YYYY-MM-DD
  kiosk_id      text not null,
  number        text not null,                 -- 受付番号 as shown
  seq           integer not null,              -- its counter value
  status        text not null check (status in ('waiting','called','done','cancelled','eligibility-pending')),
  path          text not null,
  auth          text not null,
  consent       text not null,                 -- JSON of kiosk.Consent
  eligibility   text,                          -- JSON of the answer as received; null when pending or purged
  pending_query text,                          -- JSON of the query to re-check; null otherwise
  name_check    integer not null default 0,
  cert_notice   text not null default 'ok',
  staff         text not null default '',
  purged_at     text,
  unique (business_day, kiosk_id, seq)
) strict;
create index visits_day on visits (business_day, seq);

-- Gapless 受付番号: one counter per business day and kiosk.
create table day_counters (
  business_day text not null,
  kiosk_id     text not null,
  last         integer not null,
  primary key (business_day, kiosk_id)
) strict;

-- Append-only audit log, hash-chained.
create table audit (
  id        integer primary key autoincrement,
  at        text not null,
  actor     text not null,
  action    text not null,
  outcome   text not null,
  visit_id  text not null default '',
  prev_hash text not null,
  hash      text not null
) strict;

-- The chain's head, updated with every append: deleting the newest rows is
-- caught too.
create table audit_head (
  one   integer primary key check (one = 1),
  count integer not null,
  hash  text not null
) strict;
insert into audit_head values (1, 0, '');

-- Sync outbox: one row per visit event for the clinic system.
create table outbox (
  key          text primary key,               -- idempotency key: visit id + ':' + event
  visit_id     text not null references visits (id),
  event        text not null check (event in ('created','cancelled','corrected')),
  created_at   text not null,
  attempts     integer not null default 0,
  next_attempt text not null,
  last_error   text not null default '',
  done_at      text
) strict;
create index outbox_due on outbox (done_at, next_attempt);
