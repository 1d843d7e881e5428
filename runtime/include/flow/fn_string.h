/* flow/fn_string.h: the string functions of docs/language.md ("String
 * functions") that generated code calls: substring, replace, trim, ltrim,
 * rtrim, split_part, position, lpad, rpad and LIKE. Lengths and positions
 * count Unicode code points of UTF-8 text (a byte that is not 10xxxxxx
 * starts one, as flow_str_length counts), as PostgreSQL and Flink do.
 * Results are slices of an argument when they can be, else scratch memory
 * (flow_scratch_alloc). Functions that can fail follow the error
 * convention of flow/expr.h (`const char **err`). */
#ifndef FLOW_FN_STRING_H
#define FLOW_FN_STRING_H

#include "flow/runtime.h"

/* Exported (libflowrt is built with -fvisibility=hidden: flow/program.h). */
#pragma GCC visibility push(default)

/* The most characters lpad and rpad make; more is a record error. */
#define FLOW_PAD_MAX 10000000

/* substring(s, start [, length]): the characters at positions start ..
 * start + length - 1 (1-based) that exist, as PostgreSQL: a start before 1
 * still counts its positions (substring("abc", 0, 2) is "a"); without a
 * length, to the end. A negative length fails. */
FlowStr flow_str_substring(const char **err, FlowStr s, int64_t start, int64_t length);
FlowStr flow_str_substring_from(FlowStr s, int64_t start);
/* replace(s, from, to): every occurrence of `from`, left to right, not
 * overlapping; an empty `from` leaves s as it is. */
FlowStr flow_str_replace(FlowRuntime *rt, FlowStr s, FlowStr from, FlowStr to);
/* trim, ltrim, rtrim: spaces (U+0020) only, as SQL's default. */
FlowStr flow_str_trim(FlowStr s);
FlowStr flow_str_ltrim(FlowStr s);
FlowStr flow_str_rtrim(FlowStr s);
/* split_part(s, delim, n): field n (1-based) of s split at delim, "" past
 * the end; a negative n counts from the end (-1 the last, PostgreSQL 14);
 * n = 0 fails. An empty delim makes s one field. */
FlowStr flow_str_split_part(const char **err, FlowStr s, FlowStr delim, int64_t n);
/* position(sub, s): the 1-based character position of the first sub in s,
 * 0 when absent; 1 for an empty sub. */
int64_t flow_str_position(FlowStr sub, FlowStr s);
/* lpad(s, n, fill), rpad(s, n, fill): s made n characters long, filled with
 * repeats of fill on the left (right), or cut to its first n characters
 * when longer; n <= 0 gives "", an empty fill leaves a shorter s as it is.
 * n above FLOW_PAD_MAX fails. */
FlowStr flow_str_lpad(const char **err, FlowRuntime *rt, FlowStr s, int64_t n, FlowStr fill);
FlowStr flow_str_rpad(const char **err, FlowRuntime *rt, FlowStr s, int64_t n, FlowStr fill);
/* s like pattern: SQL LIKE, case-sensitive: '%' any sequence of
 * characters, '_' exactly one, '\' makes the next character literal (a
 * '\' at the end is itself). The whole of s must match. */
bool flow_str_like(FlowStr s, FlowStr pattern);

/* ---- Regular expressions (fn_regex.c, PCRE2) ---------------------------------------- */

/* A pattern of a regexp_ call: a literal, or the value of a string param.
 * Compiled once per run, at start, with PCRE2_UTF (a pattern and its
 * matches are in characters; text that is not valid UTF-8 is matched as far
 * as it is valid). */
typedef struct FlowRegexDef {
    const char *pattern;   /* the literal's bytes, or NULL for a param */
    int64_t len;
    const char *param;     /* the param whose value is the pattern */
    const char *where;     /* "file.flow:LINE:COL" of the pattern */
} FlowRegexDef;

/* Compiles a run's patterns into slots 0 .. n-1, each with match data of
 * its own run, so that runs on several threads share nothing. A param's
 * pattern that does not compile fails the run at start (its name, place
 * and the error's offset): false. */
typedef bool (*FlowRegexSetupFn)(FlowRuntime *rt, const FlowRegexDef *defs, int n);
bool flow_regex_setup(FlowRuntime *rt, const FlowRegexDef *defs, int n);
/* regexp_like(s, re): re matches somewhere in s. */
bool flow_regexp_like(const char **err, FlowRuntime *rt, int slot, FlowStr s);
/* regexp_extract(s, re, group): the text of group `group` (0: the whole
 * match) of the first match, "" when there is no match or the group took no
 * part in it; a group the pattern does not have fails. */
FlowStr flow_regexp_extract(const char **err, FlowRuntime *rt, int slot, FlowStr s,
                            int64_t group);
/* regexp_replace(s, re, replacement): every match replaced, with $1 or
 * ${1} for a group, $0 the match, $$ a '$' (PCRE2's substitution syntax). */
FlowStr flow_regexp_replace(const char **err, FlowRuntime *rt, int slot, FlowStr s,
                            FlowStr replacement);
/* The same with a pattern `re` from a field: compiled on its first use in
 * the run and kept in a cache of the run's (at most 256 patterns; a full
 * cache is emptied). A pattern that does not compile fails each record
 * that uses it ("regexp_like: invalid regular expression ..."), and is
 * kept too, so that it is not compiled again. */
bool flow_regexp_like_of(const char **err, FlowRuntime *rt, FlowStr re, FlowStr s);
FlowStr flow_regexp_extract_of(const char **err, FlowRuntime *rt, FlowStr re, FlowStr s,
                               int64_t group);
FlowStr flow_regexp_replace_of(const char **err, FlowRuntime *rt, FlowStr re, FlowStr s,
                               FlowStr replacement);

#pragma GCC visibility pop

#endif
