-- A visit event that keeps failing is parked for staff with the reason.
alter table outbox add column parked_at text;
