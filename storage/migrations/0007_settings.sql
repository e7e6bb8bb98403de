-- Facts about the store itself, e.g. mode = 'demo' for a demo's store,
-- which a real kiosk refuses to open.
create table settings (
  key   text primary key,
  value text not null
) strict;
