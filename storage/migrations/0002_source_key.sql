-- A visit that comes from a file (a certified reader's face/ result) keeps
-- the file's name: processing the same file twice registers it once.
alter table visits add column source_key text;
create unique index visits_source on visits (source_key) where source_key is not null;
