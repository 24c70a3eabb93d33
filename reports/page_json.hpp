#pragma once
// What every report page does with a result file: parse it as one JSON object and turn
// its numeric fields into facts. Internal to reports/ (the pages' .cpp files).
#include <string>

#include <nlohmann/json.hpp>

#include "reports/html_report.hpp"

namespace lcperf::reports {

// Throws core::InputError "<what>: not a JSON object".
nlohmann::json parse_object(const std::string& text, const std::string& what);
// The value of a numeric field, formatted by the unit its name implies; nothing when absent.
void add_fact(ReportPage& page, const nlohmann::json& doc, const std::string& key, const std::string& unit);

}  // namespace lcperf::reports
