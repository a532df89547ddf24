"""What each IML function takes and does, in one line, as Make's function help shows it:
the mapping editor completes a name with its signature and this description.

Arguments are separated by `;` as in Make; `[x]` is optional.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["FUNCTION_HELP", "FunctionHelp", "function_help"]


class FunctionHelp(NamedTuple):
    signature: str
    description: str


_H = FunctionHelp

FUNCTION_HELP: dict[str, FunctionHelp] = {
    # general
    "if": _H("if(expression; value1; value2)",
             "value1 when the expression is true, else value2"),
    "ifempty": _H("ifempty(value1; value2)",
                  "value1 unless it is empty (null, empty text or array), else value2"),
    "switch": _H("switch(expression; value1; result1; [value2; result2; ...]; [else])",
                 "The result paired with the first value equal to the expression"),
    "get": _H("get(object or array; path)",
              "The value at a path in a collection or array (e.g. `address.city`, 1-based)"),
    "omit": _H("omit(collection; key1; [key2; ...])", "The collection without these keys"),
    "pick": _H("pick(collection; key1; [key2; ...])", "The collection with only these keys"),
    # math
    "abs": _H("abs(number)", "The absolute value of a number"),
    "average": _H("average(array of values or value1; value2; ...)",
                  "The average of the numbers"),
    "ceil": _H("ceil(number)", "The smallest whole number greater than or equal to it"),
    "floor": _H("floor(number)", "The largest whole number less than or equal to it"),
    "formatNumber": _H("formatNumber(number; decimals; [decimal separator]; [thousands sep.])",
                       "A number as text with separators (defaults: `,` decimals, `.` "
                       "thousands)"),
    "max": _H("max(array of values or value1; value2; ...)", "The largest number"),
    "median": _H("median(array of values or value1; value2; ...)", "The median of the numbers"),
    "min": _H("min(array of values or value1; value2; ...)", "The smallest number"),
    "parseNumber": _H("parseNumber(text; decimal separator)",
                      "A number read from formatted text, e.g. `1 756 200,5`"),
    "round": _H("round(number; [decimals])", "The number rounded (half up)"),
    "stdevP": _H("stdevP(array of values or value1; value2; ...)",
                 "The population standard deviation"),
    "stdevS": _H("stdevS(array of values or value1; value2; ...)",
                 "The sample standard deviation"),
    "sum": _H("sum(array of values or value1; value2; ...)", "The sum of the numbers"),
    "trunc": _H("trunc(number; [decimals])", "The number with its decimals cut off"),
    # text
    "ascii": _H("ascii(text; [remove diacritics])",
                "Only the text's ASCII characters (accents removed with `true`)"),
    "base64": _H("base64(text)", "The text encoded as base64"),
    "capitalize": _H("capitalize(text)", "The first character in upper case"),
    "contains": _H("contains(text or array; value)",
                   "Whether the text contains the text, or the array the value"),
    "decodeURL": _H("decodeURL(text)", "Decodes %-escapes of a URL part"),
    "encodeURL": _H("encodeURL(text)", "Encodes special characters as %-escapes for a URL"),
    "escapeHTML": _H("escapeHTML(text)", "HTML's special characters escaped (&lt; …)"),
    "escapeJSON": _H("escapeJSON(text)", "The text escaped to sit inside a JSON string"),
    "escapeMarkdown": _H("escapeMarkdown(text)", "Markdown's special characters escaped"),
    "indexOf": _H("indexOf(text; value; [start])",
                  "The 0-based position of the value in the text, -1 when absent"),
    "length": _H("length(text or array)",
                 "The number of characters of a text or items of an array"),
    "lower": _H("lower(text)", "The text in lower case"),
    "md5": _H("md5(text; [encoding]; [key])", "The MD5 hash of the text (HMAC with a key)"),
    "replace": _H("replace(text; search; replacement)",
                  "Every occurrence replaced; search may be a /regex/flags"),
    "replaceEmojiCharacters": _H("replaceEmojiCharacters(text; replacement)",
                                 "Each emoji replaced by the replacement"),
    "sha1": _H("sha1(text; [encoding]; [key])", "The SHA-1 hash of the text (HMAC with a key)"),
    "sha256": _H("sha256(text; [encoding]; [key])",
                 "The SHA-256 hash of the text (HMAC with a key)"),
    "sha512": _H("sha512(text; [encoding]; [key])",
                 "The SHA-512 hash of the text (HMAC with a key)"),
    "split": _H("split(text; separator)", "An array of the text's parts between separators"),
    "startcase": _H("startcase(text)", "Every word capitalised"),
    "stripHTML": _H("stripHTML(text)", "The text without HTML tags"),
    "substring": _H("substring(text; start; end)",
                    "The part from start (0-based) up to end (excluded)"),
    "toBinary": _H("toBinary(value; [encoding])", "Binary data from text (base64, hex)"),
    "toString": _H("toString(value)", "The value as text"),
    "trim": _H("trim(text)", "The text without spaces at its start and end"),
    "upper": _H("upper(text)", "The text in upper case"),
    "toNumber": _H("toNumber(value)", "The value as a number"),
    # arrays
    "add": _H("add(array; value1; [value2; ...])", "The array with the values appended"),
    "arrayDifference": _H("arrayDifference(array1; array2; [mode])",
                          "Items of array1 not in array2 (`symmetric`: in either only)"),
    "deduplicate": _H("deduplicate(array)", "The array without duplicate items"),
    "distinct": _H("distinct(array; [key])",
                   "The array without duplicates (compared by key for collections)"),
    "first": _H("first(array)", "The first item of the array"),
    "flatten": _H("flatten(array; [depth])", "Nested arrays merged into one array"),
    "join": _H("join(array; separator)", "The items joined into one text"),
    "keys": _H("keys(collection)", "The collection's keys as an array"),
    "last": _H("last(array)", "The last item of the array"),
    "map": _H("map(array; key; [filter key]; [filter values])",
              "The values of a key from each collection of the array"),
    "merge": _H("merge(array1; array2; ...)", "The arrays merged into one"),
    "remove": _H("remove(array; value1; [value2; ...])", "The array without these values"),
    "reverse": _H("reverse(array)", "The items in reverse order"),
    "shuffle": _H("shuffle(array)", "The items in random order"),
    "slice": _H("slice(array; start; [end])", "The items from start (0-based) to end"),
    "sort": _H("sort(array; [order]; [key])",
               "The items sorted (`asc`, `desc`, `asc ci`, `desc ci`; key for collections)"),
    "toArray": _H("toArray(collection)", "The collection as an array of key-value pairs"),
    "toCollection": _H("toCollection(array; key; value)",
                       "A collection from an array of key-value collections"),
    "equal": _H("equal(value1; value2)", "Whether two values (arrays, collections) are equal"),
    # dates
    "addDays": _H("addDays(date; number)", "The date plus a number of days (negative: minus)"),
    "addHours": _H("addHours(date; number)", "The date plus a number of hours"),
    "addMinutes": _H("addMinutes(date; number)", "The date plus a number of minutes"),
    "addMonths": _H("addMonths(date; number)", "The date plus a number of months"),
    "addSeconds": _H("addSeconds(date; number)", "The date plus a number of seconds"),
    "addYears": _H("addYears(date; number)", "The date plus a number of years"),
    "dateDifference": _H("dateDifference(date1; date2; [unit])",
                         "date1 minus date2 in milliseconds, or in the unit given"),
    "formatDate": _H("formatDate(date; format; [timezone])",
                     "The date as text in a format such as `YYYY-MM-DD HH:mm`"),
    "parseDate": _H("parseDate(text; format; [timezone])",
                    "A date read from text in the given format"),
    "setDate": _H("setDate(date; day of month)", "The date with its day of the month set"),
    "setDay": _H("setDay(date; day of week)", "The date moved to a day of its week"),
    "setHour": _H("setHour(date; hour)", "The date with its hour set (0-23)"),
    "setMinute": _H("setMinute(date; minute)", "The date with its minutes set"),
    "setMonth": _H("setMonth(date; month)", "The date with its month set (1-12 or a name)"),
    "setSecond": _H("setSecond(date; second)", "The date with its seconds set"),
    "setYear": _H("setYear(date; year)", "The date with its year set"),
}


def function_help(name: str) -> FunctionHelp | None:
    return FUNCTION_HELP.get(name)
