/* enum_map.h -- explicit maps between the enums of the harness, the
 * oracle, the target interface and the runtime (.hx.enum-map).
 *
 * A map is a list of pairs X(FROM, TO).  HX_ENUM_MAP(name, from_t, to_t,
 * LIST, count) defines `static inline to_t name(from_t v)` and asserts at
 * compile time that the list maps `count` values (every value of from_t)
 * and that both sides of each pair have the same number, so a value that
 * crosses an interface as a plain int (the target interface's handle kind)
 * keeps its meaning.  Renumbering or adding a value on one side without
 * the other stops the build. */
#ifndef HX_ENUM_MAP_H
#define HX_ENUM_MAP_H

#define HX_MAP_CASE_(a, b) case a: return b;
#define HX_MAP_ONE_(a, b) + 1
#define HX_MAP_SAME_(a, b) && ((long)(a) == (long)(b))

#define HX_ENUM_MAP(name, from_t, to_t, LIST, count)                                     \
    _Static_assert(0 LIST(HX_MAP_ONE_) == (count), #name ": every value is mapped");     \
    _Static_assert(1 LIST(HX_MAP_SAME_), #name ": both sides number the values alike");  \
    static inline to_t name(from_t v)                                                    \
    {                                                                                    \
        switch (v) {                                                                     \
            LIST(HX_MAP_CASE_)                                                           \
        default:                                                                         \
            break;                                                                       \
        }                                                                                \
        return (to_t)v;     /* out of range: the receiving side rejects it */            \
    }

#endif
