#include "schedulers/serving/request_state.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "core/errors.hpp"

namespace lcperf::schedulers::serving {

namespace {

bool valid_fields(const ServingRequest& r) {
  return r.prompt_tokens > 0 && r.output_tokens > 0 && std::isfinite(r.arrival_s) && r.arrival_s >= 0;
}

// Whether every request passes; checked without building the error texts (a whole
// trace is tens of thousands of requests).
bool all_valid(const std::vector<ServingRequest>& requests) {
  if (!std::all_of(requests.begin(), requests.end(), valid_fields)) return false;
  std::vector<std::int64_t> ids;
  ids.reserve(requests.size());
  for (const ServingRequest& r : requests) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  return std::adjacent_find(ids.begin(), ids.end()) == ids.end();
}

}  // namespace

void validate_requests(const std::vector<ServingRequest>& requests, const std::string& where) {
  if (all_valid(requests)) return;
  // The first request in order with a problem names it.
  std::set<std::int64_t> ids;
  for (const ServingRequest& r : requests) {
    const std::string name = where + ": request " + std::to_string(r.id);
    if (r.prompt_tokens <= 0) throw core::InputError(name + ": prompt_tokens must be > 0");
    if (r.output_tokens <= 0) throw core::InputError(name + ": output_tokens must be > 0");
    if (!std::isfinite(r.arrival_s) || r.arrival_s < 0) {
      throw core::InputError(name + ": arrival_s must be finite and >= 0");
    }
    if (!ids.insert(r.id).second) throw core::InputError(name + ": id used twice");
  }
}

std::string request_name(std::int64_t id) {
  // Appending, not operator+ on a literal: GCC 12 warns falsely (-Wrestrict) on that.
  std::string name("r");
  name += std::to_string(id);
  return name;
}

std::vector<std::size_t> arrival_order(const std::vector<ServingRequest>& requests) {
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const ServingRequest& x = requests[a];
    const ServingRequest& y = requests[b];
    if (x.arrival_s != y.arrival_s) return x.arrival_s < y.arrival_s;
    if (x.id != y.id) return x.id < y.id;
    return a < b;
  });
  return order;
}

}  // namespace lcperf::schedulers::serving
