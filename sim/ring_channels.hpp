#pragma once
// How a ring collective's traffic is laid over a multi-node group, as NCCL lays it over
// several channels. One ring through every member crosses each node boundary once, so
// a plain ring would push all inter-node traffic of a node through the one NIC of the
// member that leaves the node. NCCL instead runs one ring per channel and rotates the
// order inside each node so that each channel leaves the node through a different GPU
// (and so a different NIC); the channels split the buffer evenly.
//
// With k channels over nodes of g members each (same local order on every node), the
// channel that leaves through local member e visits e+1, e+2, ..., e (mod g) on every
// node. So in every channel, local member l sends to local member l+1 (mod g): on its
// own node, or -- in the channels that leave through l -- on the next node. Merging the
// channels, each member sends one flow to its on-node successor carrying (1 - x_l) of
// the step's chunk and one to its successor on the next node carrying x_l, where x_l is
// the share of channels leaving through l. That is two flows per member per step
// instead of k, with exactly the channels' traffic on every link.
//
// Pure planning (no SimGrid), so it is tested on its own.
#include <vector>

namespace lcperf::sim {

// Where one member of a group sits: its node and the NIC link it reaches the fabric by.
struct MemberPlace {
  int node = 0;
  int nic = 0;
};

// One member's flows in every ring step. Indices are positions in the group's member
// list; a share of 0 means no flow on that edge.
struct RingMember {
  int on_node_next = -1;     // successor on the same node (or the plain ring's successor)
  double on_node_share = 0;  // share of the step's chunk sent to it
  int cross_next = -1;       // successor on the next node
  double cross_share = 0;
  int on_node_prev = -1;     // whom this member receives from, and how much
  double on_node_prev_share = 0;
  int cross_prev = -1;
  double cross_prev_share = 0;
};

struct RingChannels {
  int channels = 1;
  std::vector<RingMember> members;  // by position in the group's member list
  // Latency of the slowest edge any member sends on (set by the simulator from the
  // platform's routes): the time one ring step pays before its bytes move.
  double max_edge_latency_s = 0;
  // Whether every member sends and receives the same shares on edges of the same kind
  // (set by the simulator): then a member's flows are the image of its predecessor's, and
  // data-parallel folding may send them to the member's own mirror (SimulationInput::
  // image_of_rank). on_node_edge_leaves_node: the ring edge is a cross-node one (a plain
  // ring with one member per node).
  bool uniform = false;
  bool on_node_edge_leaves_node = false;
};

// Plans the rings for members at `places` (group order). Members are visited node by
// node (nodes in order of first appearance, members in group order within a node).
// A group on one node, with one member per node, or with unequal member counts per
// node is one plain ring in that order (k = 1, all traffic on the ring edge).
// Otherwise k = the number of distinct NIC links among the first node's members; the
// channel leaving through a NIC leaves through the first member (in local order) that
// uses it.
RingChannels plan_ring_channels(const std::vector<MemberPlace>& places);

}  // namespace lcperf::sim
