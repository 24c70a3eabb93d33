#include "fuzz/driver/mutator.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace lcperf::fuzz {

namespace {

struct Span {
  std::size_t begin;
  std::size_t end;
};

bool is_number_char(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'; }

// Runs of digits (with sign, point and exponent): the numbers of JSON and CSV text.
std::vector<Span> numbers_in(const std::string& s) {
  std::vector<Span> spans;
  for (std::size_t i = 0; i < s.size();) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) {
      ++i;
      continue;
    }
    std::size_t begin = i;
    if (begin > 0 && s[begin - 1] == '-') --begin;
    while (i < s.size() && is_number_char(s[i])) ++i;
    spans.push_back({begin, i});
  }
  return spans;
}

std::vector<Span> lines_in(const std::string& s) {
  std::vector<Span> spans;
  std::size_t begin = 0;
  while (begin < s.size()) {
    std::size_t end = s.find('\n', begin);
    end = end == std::string::npos ? s.size() : end + 1;
    spans.push_back({begin, end});
    begin = end;
  }
  return spans;
}

// `"key": value` members up to (and with) the following comma: deleting one removes a
// key; inserting a copy duplicates it.
std::vector<Span> members_in(const std::string& s) {
  std::vector<Span> spans;
  for (std::size_t colon = s.find("\":"); colon != std::string::npos; colon = s.find("\":", colon + 2)) {
    const std::size_t open = s.rfind('"', colon == 0 ? 0 : colon - 1);
    if (open == std::string::npos) continue;
    std::size_t end = s.find_first_of(",}\n", colon + 2);
    if (end == std::string::npos) end = s.size();
    if (end < s.size() && s[end] == ',') ++end;
    spans.push_back({open, end});
  }
  return spans;
}

const std::string& pick(const std::vector<std::string>& from, SplitMix64& rng) { return from[rng.below(from.size())]; }

void mutate_once(std::string& s, const std::vector<std::string>& others, SplitMix64& rng) {
  switch (rng.below(12)) {
    case 0:  // flip one bit
      if (!s.empty()) s[rng.below(s.size())] ^= static_cast<char>(1u << rng.below(8));
      return;
    case 1:  // any byte
      if (!s.empty()) s[rng.below(s.size())] = static_cast<char>(rng.below(256));
      return;
    case 2:  // truncate
      s.resize(rng.below(s.size() + 1));
      return;
    case 3:  // an interesting token anywhere
      s.insert(rng.below(s.size() + 1), pick(interesting_tokens(), rng));
      return;
    case 4:
    case 5: {  // a number replaced by an extreme one
      const std::vector<Span> numbers = numbers_in(s);
      if (numbers.empty()) return;
      const Span n = numbers[rng.below(numbers.size())];
      s.replace(n.begin, n.end - n.begin, pick(interesting_tokens(), rng));
      return;
    }
    case 6: {  // delete a line
      const std::vector<Span> lines = lines_in(s);
      if (lines.empty()) return;
      const Span l = lines[rng.below(lines.size())];
      s.erase(l.begin, l.end - l.begin);
      return;
    }
    case 7: {  // duplicate a line (a repeated CSV row, a duplicated JSON key)
      const std::vector<Span> lines = lines_in(s);
      if (lines.empty()) return;
      const Span l = lines[rng.below(lines.size())];
      s.insert(l.end, s.substr(l.begin, l.end - l.begin));
      return;
    }
    case 8: {  // swap two lines
      const std::vector<Span> lines = lines_in(s);
      if (lines.size() < 2) return;
      Span a = lines[rng.below(lines.size())];
      Span b = lines[rng.below(lines.size())];
      if (a.begin > b.begin) std::swap(a, b);
      if (a.begin == b.begin) return;
      const std::string first = s.substr(a.begin, a.end - a.begin);
      const std::string second = s.substr(b.begin, b.end - b.begin);
      s.replace(b.begin, b.end - b.begin, first);
      s.replace(a.begin, a.end - a.begin, second);
      return;
    }
    case 9: {  // delete a JSON member
      const std::vector<Span> members = members_in(s);
      if (members.empty()) return;
      const Span m = members[rng.below(members.size())];
      s.erase(m.begin, m.end - m.begin);
      return;
    }
    case 10: {  // duplicate a JSON member
      const std::vector<Span> members = members_in(s);
      if (members.empty()) return;
      const Span m = members[rng.below(members.size())];
      std::string copy = s.substr(m.begin, m.end - m.begin);
      if (copy.empty() || copy.back() != ',') copy += ',';
      s.insert(m.begin, copy);
      return;
    }
    default: {  // splice a piece of another seed
      if (others.empty()) return;
      const std::string& other = pick(others, rng);
      const std::size_t from = rng.below(other.size() + 1);
      const std::size_t length = rng.below(std::min<std::size_t>(other.size() - from, 256) + 1);
      s.insert(rng.below(s.size() + 1), other.substr(from, length));
      return;
    }
  }
}

}  // namespace

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

const std::vector<std::string>& interesting_tokens() {
  static const std::vector<std::string> tokens = {
      "1e309", "-1e309", "1e400", "1e-320", "1e-300", "1e-9", "1e15", "1e300", "-1", "0", "-0", "0.5", "0.999999",
      "2147483647", "2147483648", "4294967296", "65537", "1099511627777", "9007199254740993",
      "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
      "NaN", "nan", "inf", "-inf", "Infinity", "null", "true", "false", "\"\"", "\"x\"", "[]", "{}", "[1,2]",
      "\xEF\xBB\xBF", ",", ",,", "\n", "\r\n", "\"", "{", "}", "[", "]", ":", "#", "=", ".", "..", "\t", std::string(1, '\0'),
      "1970-01-01 00:00:00", "9999-12-31 23:59:59.9999999", "2023-02-30 25:61:61", "+99:99", "Z", "-14:00",
      "auto", "distkv", "local", "chunkflow", "megatron"};
  return tokens;
}

std::string mutate(const std::string& input, const std::vector<std::string>& others, SplitMix64& rng) {
  std::string s = input;
  const std::size_t count = 1 + rng.below(4);
  for (std::size_t i = 0; i < count; ++i) mutate_once(s, others, rng);
  return s;
}

}  // namespace lcperf::fuzz
