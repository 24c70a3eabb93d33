#pragma once
// An operator graph for memory planning: ops read and write tensors whose sizes are
// symbolic byte polynomials. The insertion order of ops is the program order and must
// be topological (every input produced by an earlier op, or a graph input).
//
// Lifetimes are not stored: they follow from an op order (see peak_memory.hpp). A tensor
// is allocated when its producer runs (graph inputs: from the start) and freed after its
// last reader in the order (graph outputs: never; unread tensors: right after their
// producer).
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "schedulers/memory/symbolic.hpp"

namespace lcperf::schedulers::memory {

using TensorId = int;
using OpId = int;

struct Tensor {
  std::string name;
  Polynomial bytes;
  std::string group;     // accounting label: "L3" (layer 3's activations), "head", "grad", ...
  OpId producer = -1;    // -1: graph input, live from the start
  bool output = false;   // live until the end of the graph
  std::vector<OpId> consumers;  // in program order
};

struct Op {
  std::string name;
  std::string kind;  // "forward", "backward", "recompute", "collective", ...
  std::vector<TensorId> inputs;
  std::vector<TensorId> outputs;
  Polynomial flops;          // cost to (re)run it, for recompute accounting
  bool recomputable = true;  // false for collectives and other ops with side effects
};

class OpGraph {
 public:
  TensorId add_input(std::string name, Polynomial bytes, std::string group = "input");
  // Adds an op and its output tensors; returns the op id. Output tensors get ids in
  // `outputs` order: use output_of() to find them.
  struct OutputSpec {
    std::string name;
    Polynomial bytes;
    std::string group;
  };
  OpId add_op(std::string name, std::string kind, const std::vector<TensorId>& inputs,
              const std::vector<OutputSpec>& outputs, Polynomial flops, bool recomputable = true);
  void mark_output(TensorId t);

  const std::vector<Tensor>& tensors() const { return tensors_; }
  const std::vector<Op>& ops() const { return ops_; }
  const Tensor& tensor(TensorId t) const { return tensors_.at(static_cast<std::size_t>(t)); }
  const Op& op(OpId o) const { return ops_.at(static_cast<std::size_t>(o)); }
  TensorId output_of(OpId o, std::size_t index = 0) const { return op(o).outputs.at(index); }
  // Finds a tensor or op by name; -1 when absent (names are unique by construction).
  TensorId find_tensor(const std::string& name) const;
  OpId find_op(const std::string& name) const;

  // 0, 1, ..., ops-1.
  std::vector<OpId> program_order() const;
  // Whether `order` is a permutation of all ops in which every op comes after the
  // producers of its inputs.
  bool is_topological(const std::vector<OpId>& order) const;

 private:
  std::vector<Tensor> tensors_;
  std::vector<Op> ops_;
  std::unordered_map<std::string, TensorId> tensor_index_;
  std::unordered_map<std::string, OpId> op_index_;
};

}  // namespace lcperf::schedulers::memory
