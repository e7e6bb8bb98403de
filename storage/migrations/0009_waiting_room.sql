-- The waiting room: each visit's unguessable page token (the ticket's QR
-- code opens /q/<token>, on its business day only), when and to which
-- room it was called, and the priority staff gave it.
alter table visits add column page_token text;
create unique index visits_page_token on visits (page_token) where page_token is not null;
alter table visits add column called_at text;
alter table visits add column room text not null default '';
alter table visits add column priority integer not null default 0;
-- A staff member's second factor for the desk console: the TOTP secret
-- (RFC 6238), set by `uketsuke staff totp ID`, and the last time step
-- used (a code is accepted once).
alter table staff add column totp_secret text;
alter table staff add column totp_step integer not null default 0;
-- A kiosk that needs staff (係員を呼ぶ, a locked PIN, 無効, a card refused…),
-- for the desk console: open until staff take it or the session ends.
create table alerts (
  id         integer primary key,
  kiosk_id   text not null,
  reason     text not null,   -- a kiosk.Handover name
  raised_at  text not null,
  cleared_at text,
  cleared_by text
) strict;
create index alerts_open on alerts (cleared_at, kiosk_id);
-- What each kiosk reports of its devices and its installation (its staff
-- device screen, as JSON), for the desk console.
create table kiosk_status (
  kiosk_id   text primary key,
  updated_at text not null,
  devices    text not null
) strict;
