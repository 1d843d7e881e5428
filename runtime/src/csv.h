/* csv.h: the RFC 4180 record parser of CSV sources. It splits one record of
 * the bytes it is given into FlowFields: unquoted fields and quoted fields
 * without doubled quotes point into the input; a quoted field with doubled
 * quotes is undoubled into the parser's own buffer. Quoted fields may hold
 * commas and line breaks; lines end in LF or CRLF; blank lines are skipped.
 * The parser keeps no input of its own: when a record may continue past the
 * bytes it was given it asks for more (CSV_NEED_MORE), and the caller parses
 * the same record again from its start once it has read more. */
#ifndef FLOWRT_CSV_H
#define FLOWRT_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/codec.h"

typedef struct CsvParser {
    /* Where column c goes: slots[map[c]] when c < map_len and map[c] >= 0;
     * other columns are only counted. Without a map (map == NULL), every
     * column is stored in `cols`, which grows: that is how the header is read. */
    const int *map;
    int map_len;
    FlowField *slots;
    FlowField *cols;
    int cols_cap;
    char *unq;          /* undoubled quoted fields of the current record */
    size_t unq_cap;
    int64_t line;       /* line number of the next byte to parse */
} CsvParser;

typedef struct CsvRecord {
    const char *raw;    /* the record's text, without its line break */
    size_t raw_len;
    int64_t line;       /* line of its first byte */
    int ncols;          /* columns found (stored or not) */
    const char *error;  /* a malformed record: why (the columns are unusable) */
    size_t used;        /* bytes consumed, also for CSV_NEED_MORE and CSV_END */
} CsvRecord;

typedef enum CsvStatus {
    CSV_RECORD,    /* *rec is a record */
    CSV_NEED_MORE, /* the record may go on past `len`: read more and retry */
    CSV_END,       /* at_eof and nothing but blank lines left */
} CsvStatus;

void flowrt_csv_init(CsvParser *cp);
void flowrt_csv_free(CsvParser *cp);
/* Parses the next record of [p, p+len). `at_eof`: nothing follows these bytes,
 * so a last record without a line break is complete. */
CsvStatus flowrt_csv_parse(CsvParser *cp, const char *p, size_t len, bool at_eof, CsvRecord *rec);

#endif
