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
