-- Returning patients: the insurance numbers a card was last confirmed
-- with, keyed by a salted hash of the card's certificate serial (the serial
-- itself is not stored).
create table known_cards (
  card_key   text primary key,
  numbers    text not null,                  -- JSON of kiosk.NumbersQuery
  updated_at text not null
) strict;
create table meta (
  key   text primary key,
  value text not null
) strict;
insert into meta values ('card_salt', lower(hex(randomblob(32))));
