#pragma once
// State-aware 1F1B: ChunkFlow's pipeline schedule, the ordered steps one stage runs over
// a list of units (standalone chunks, and long sequences as groups of dependent chunks)
// given in forward order, with K from chunkflow_schedule.hpp.
//
// Design (the paper's timelines are not available; this is our construction):
//   - Forward sequence: every chunk in unit order, a group's chunks contiguous and
//     ascending. A group chunk's forward keeps activations iff it is among the group's
//     last K.
//   - Backward sequence: the same units in the same order; a standalone chunk is one
//     item "B c"; a group contributes its state-aware order: kept chunks descending as
//     "B c", then dropped chunks descending as "R c, B c" (re-forward immediately
//     followed by its backward; the pair is one item).
//   - Stage s of p: warm-up of w = min(p-s-1, #forwards) forwards. Then each further
//     forward earns one backward credit; after it, items are emitted strictly in
//     backward-sequence order while a credit is left and the next item is eligible (its
//     chunk's forward has been emitted on this stage). An ineligible item keeps its
//     credit, so forwards keep flowing and the owed items follow as soon as the group's
//     last forward is out. After the last forward (cool-down) every remaining item is
//     emitted. Equivalently: item k follows forward number
//     max over j <= k of max(min(j + w, F - 1), fwd_pos(j)).
//     With only standalone chunks every item is eligible on time and this is exactly
//     one_f_one_b_schedule (pipeline_schedule.hpp), step for step.
//   - A re-forward starts from the stage input saved during the chunk's (dropped)
//     forward and needs the K/V of earlier chunks, all in this stage's state store. It
//     therefore has no cross-stage dependency and sends nothing: no extra p2p. The
//     price is memory: a dropped chunk keeps its stage input (one hidden-state tensor
//     of its tokens) from its forward to its re-forward, besides the K/V state.
// Why it cannot deadlock: stage s+1's warm-up is one shorter than stage s's, so item k
// follows an earlier-or-equal forward on s+1 than on s; the usual 1F1B induction from
// the last stage applies, and eligibility only ever waits on this stage's own forwards.
//
// Activation bound (checked by the tests): a stage holds at most max(min(p-s, F), K)
// chunks' full activations (F = number of chunks): the 1F1B in-flight bound, or the K
// kept chunks of a group right after the group's last forward, whichever is larger.
// (Sketch: with w = min(p-s-1, F), after each forward's backwards at most w items are
// owed, so a new standalone forward makes w+1; inside a group only its kept chunks
// count, at most K once its last forward is out; a re-forward's item is owed at most w
// others.) Stage inputs of dropped chunks and K/V state are not counted here.
#include <vector>

#include "schedulers/training/chunk_unit.hpp"
#include "schedulers/training/chunkflow_schedule.hpp"

namespace lcperf::schedulers::training {

// Steps name chunk ids, which must be unique across units. Throws core::InputError for
// pp < 1, stage outside [0, pp), k < 1, no chunks, an empty unit or a repeated id.
std::vector<ChunkStep> state_aware_1f1b_schedule(int pp, int stage, const std::vector<ChunkUnit>& units, int k);

}  // namespace lcperf::schedulers::training
