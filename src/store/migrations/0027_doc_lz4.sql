-- 0027: a dossier's document is compressed with lz4 where the server has it.
--
-- Most documents (2.1-5.3 KB for the shipped examples) pass the size above which PostgreSQL
-- compresses a row's values (about 2 KB), so every intake compressed its document with pglz, the
-- default: about 3% of the database's CPU in a profile of the bench's intake load (perf). lz4 does
-- the same work in a fraction of the time and reads back faster; its output is a little larger
-- (1 790 against 1 741 bytes per document on average for the examples). Documents stored before
-- keep pglz (each value names its method). The embedded PGlite is built without lz4: there the
-- column keeps the default.
do $$
begin
  alter table dossiers alter column doc set compression lz4;
exception when feature_not_supported then
  null;
end
$$;
