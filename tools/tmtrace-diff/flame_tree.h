/* flame_tree.h — the icicle flame graph of an HTML report, built in C from the model's statistics by traceback:
 * one node per distinct (filename, lineno) path from the oldest frame, holding the totals of the tracebacks
 * beneath it. The page's JavaScript only lays the nodes out and draws them. */
#ifndef TMTRACE_DIFF_FLAME_TREE_H
#define TMTRACE_DIFF_FLAME_TREE_H

#include <stdio.h>

#include <tmtrace/tmtrace.h>

#include "frame_table.h"

/* Writes the tree as one JSON object (format in flame_tree.c). For statistics a node is as wide as its size; for
 * differences as its growth plus its shrinkage, both kept so they can be drawn in distinct colours. Nodes of
 * zero width are left out. Returns the number of nodes below the root, or -1 when out of memory. */
long flame_tree_write_statistics(FILE *out, struct frame_table *frames, const tmtrace_statistics *stats);
long flame_tree_write_differences(FILE *out, struct frame_table *frames, const tmtrace_statistic_diffs *diffs);

#endif
