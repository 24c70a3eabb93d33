#include "schedulers/memory/op_graph.hpp"

#include <stdexcept>

namespace lcperf::schedulers::memory {

TensorId OpGraph::add_input(std::string name, Polynomial bytes, std::string group) {
  if (find_tensor(name) >= 0) throw std::invalid_argument("duplicate tensor name " + name);
  tensor_index_[name] = static_cast<TensorId>(tensors_.size());
  tensors_.push_back(Tensor{std::move(name), std::move(bytes), std::move(group), -1, false, {}});
  return static_cast<TensorId>(tensors_.size() - 1);
}

OpId OpGraph::add_op(std::string name, std::string kind, const std::vector<TensorId>& inputs,
                     const std::vector<OutputSpec>& outputs, Polynomial flops, bool recomputable) {
  if (find_op(name) >= 0) throw std::invalid_argument("duplicate op name " + name);
  const OpId id = static_cast<OpId>(ops_.size());
  Op op{std::move(name), std::move(kind), inputs, {}, std::move(flops), recomputable};
  for (TensorId t : inputs) {
    if (t < 0 || static_cast<std::size_t>(t) >= tensors_.size()) {
      throw std::invalid_argument("op " + op.name + " reads an unknown tensor");
    }
    auto& consumers = tensors_[static_cast<std::size_t>(t)].consumers;
    if (consumers.empty() || consumers.back() != id) consumers.push_back(id);
  }
  for (const OutputSpec& out : outputs) {
    if (find_tensor(out.name) >= 0) throw std::invalid_argument("duplicate tensor name " + out.name);
    tensor_index_[out.name] = static_cast<TensorId>(tensors_.size());
    tensors_.push_back(Tensor{out.name, out.bytes, out.group, id, false, {}});
    op.outputs.push_back(static_cast<TensorId>(tensors_.size() - 1));
  }
  op_index_[op.name] = id;
  ops_.push_back(std::move(op));
  return id;
}

void OpGraph::mark_output(TensorId t) { tensors_.at(static_cast<std::size_t>(t)).output = true; }

TensorId OpGraph::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? -1 : it->second;
}

OpId OpGraph::find_op(const std::string& name) const {
  auto it = op_index_.find(name);
  return it == op_index_.end() ? -1 : it->second;
}

std::vector<OpId> OpGraph::program_order() const {
  std::vector<OpId> order(ops_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<OpId>(i);
  return order;
}

bool OpGraph::is_topological(const std::vector<OpId>& order) const {
  if (order.size() != ops_.size()) return false;
  std::vector<bool> done(ops_.size(), false);
  for (OpId o : order) {
    if (o < 0 || static_cast<std::size_t>(o) >= ops_.size() || done[static_cast<std::size_t>(o)]) return false;
    for (TensorId t : op(o).inputs) {
      const OpId p = tensor(t).producer;
      if (p >= 0 && !done[static_cast<std::size_t>(p)]) return false;
    }
    done[static_cast<std::size_t>(o)] = true;
  }
  return true;
}

}  // namespace lcperf::schedulers::memory
