#include "sim/sharing_probe.hpp"

#include "sim/simgrid_options.hpp"

#include <cstdint>
#include <simgrid/s4u.hpp>
#include <string>

namespace lcperf::sim {
namespace {

// Rates are read back as work done over this window, short enough that nothing ends
// inside it at up to 1e10 bytes or flops per second; the read-back costs ~1e-13 of
// relative precision.
constexpr double kWindow = 1e-2;
constexpr double kWork = 1e9;

// Appended rather than "literal" + std::string (GCC 12's -Wrestrict false positive).
std::string named(const char* prefix, std::size_t index) {
  std::string name(prefix);
  name += std::to_string(index);
  return name;
}

}  // namespace

std::vector<double> simgrid_transfer_rates(std::span<const double> link_bandwidths,
                                           std::span<const ProbeTransfer> transfers) {
  const auto engine = open_simgrid_engine();
  // CM02's own defaults, pinned: the probe is about the model, not its defaults.
  engine->set_config("network/weight-S:0");
  engine->set_config("network/latency-factor:1");
  engine->set_config("network/bandwidth-factor:1");

  auto* zone = simgrid::s4u::create_full_zone("world");
  std::vector<simgrid::s4u::Link*> links;
  for (std::size_t l = 0; l < link_bandwidths.size(); ++l)
    links.push_back(zone->create_link(named("l", l), link_bandwidths[l])->seal());
  std::vector<simgrid::s4u::Host*> sources;
  std::vector<simgrid::s4u::Host*> destinations;
  for (std::size_t t = 0; t < transfers.size(); ++t) {
    sources.push_back(zone->create_host(named("s", t), 1e9)->seal());
    destinations.push_back(zone->create_host(named("d", t), 1e9)->seal());
    std::vector<simgrid::s4u::LinkInRoute> hops;
    for (const int l : transfers[t].links) hops.emplace_back(links[static_cast<std::size_t>(l)]);
    zone->add_route(sources.back()->get_netpoint(), destinations.back()->get_netpoint(), nullptr, nullptr, hops,
                    false);
  }
  zone->seal();

  // Through mailboxes (SimGrid 3.32 refuses set_rate on sendto_init), each put by an
  // actor on its source host; the observer reads them all after the window.
  std::vector<double> rates(transfers.size(), 0.0);
  int payload = 0;
  std::vector<simgrid::s4u::CommPtr> comms(transfers.size());
  for (std::size_t t = 0; t < transfers.size(); ++t) {
    simgrid::s4u::Actor::create(named("r", t), destinations[t],
                                [t] { simgrid::s4u::Mailbox::by_name(named("m", t))->get<int>(); });
    simgrid::s4u::Actor::create(named("p", t), sources[t], [&, t] {
      auto put = simgrid::s4u::Mailbox::by_name(named("m", t))->put_init(&payload, static_cast<std::uint64_t>(kWork));
      if (transfers[t].rate_cap > 0) put->set_rate(transfers[t].rate_cap);
      comms[t] = put;
      put->start()->wait();
    });
  }
  simgrid::s4u::Actor::create("observer", sources.front(), [&] {
    simgrid::s4u::this_actor::sleep_for(kWindow);
    for (std::size_t t = 0; t < transfers.size(); ++t) rates[t] = (kWork - comms[t]->get_remaining()) / kWindow;
  });
  engine->run();
  return rates;
}

std::vector<double> simgrid_execution_rates(double speed, int cores, std::span<const double> priorities) {
  const auto engine = open_simgrid_engine();
  engine->set_config("cpu/model:Cas01");
  auto* zone = simgrid::s4u::create_full_zone("world");
  simgrid::s4u::Host* host = zone->create_host("h", speed)->set_core_count(cores)->seal();
  zone->seal();

  std::vector<double> rates(priorities.size(), 0.0);
  simgrid::s4u::Actor::create("observer", host, [&] {
    std::vector<simgrid::s4u::ExecPtr> execs;
    for (const double priority : priorities) {
      execs.push_back(simgrid::s4u::this_actor::exec_init(kWork));
      execs.back()->set_priority(priority)->start();
    }
    simgrid::s4u::this_actor::sleep_for(kWindow);
    for (std::size_t e = 0; e < execs.size(); ++e) {
      rates[e] = (kWork - execs[e]->get_remaining()) / kWindow;
      execs[e]->cancel();
    }
  });
  engine->run();
  return rates;
}

}  // namespace lcperf::sim
