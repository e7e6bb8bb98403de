-- The site's shared queue (PostgreSQL, [queue] backend = "postgres"):
-- every change a visit's row shows the desk bumps site_version; the kiosk
-- pushes a row while site_version > site_pushed and sets site_pushed to
-- the version PostgreSQL committed, so nothing is pushed twice as new and
-- nothing is lost while PostgreSQL is away.
alter table visits add column site_version integer not null default 1;
alter table visits add column site_pushed integer not null default 0;
create index visits_site_due on visits (id) where site_version > site_pushed;
create trigger visits_site_changed after update of status, called_at, room, priority, eligibility, patient, purged_at on visits
begin
  update visits set site_version = site_version + 1 where id = new.id;
end;
-- Actions staff took at the desk on this kiosk's visits (the site queue's
-- action ids), each applied here once.
create table site_applied (
  action_id  integer primary key,
  applied_at text not null,
  outcome    text not null
) strict;
