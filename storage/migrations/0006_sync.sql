-- Sending attempts started (committed before a request leaves, so that a
-- crash mid-request is known on restart and the far side is asked first).
alter table outbox add column tried integer not null default 0;
-- What ORCA holds for a visit: its patient and reception ids.
create table orca_links (
  visit_id      text primary key references visits (id),
  patient_id    text not null,
  acceptance_id text not null,
  accepted_at   text not null
) strict;
-- Sync runs, for `sync status`, the staff screen and the catch-up of a missed night.
create table sync_runs (
  id          integer primary key autoincrement,
  started_at  text not null,
  finished_at text,
  trigger     text not null,
  report      text not null default ''
) strict;
