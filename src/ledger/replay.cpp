// The ledger's rules, checked by a replay over the events in date order. Running balances are kept
// per key — a pool, optionally narrowed to a region, a program, both, and (for returns only) an
// enterprise — in hash maps over small integer codes of the names, so a million events replay in a
// fraction of a second.
#include "ledger/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "ledger/ledger_internal.hpp"

namespace subsidy::internal {

namespace {

constexpr int32_t kAny = -1;  // the key does not narrow this field

struct Key {
  int32_t pool = kAny;
  int32_t region = kAny;
  int32_t program = kAny;
  int32_t enterprise = kAny;
  bool operator==(const Key&) const = default;
};

struct KeyHash {
  size_t operator()(const Key& key) const {
    uint64_t h = static_cast<uint32_t>(key.pool);
    h = h * 0x9E3779B97F4A7C15ULL ^ static_cast<uint32_t>(key.region);
    h = h * 0x9E3779B97F4A7C15ULL ^ static_cast<uint32_t>(key.program);
    h = h * 0x9E3779B97F4A7C15ULL ^ static_cast<uint32_t>(key.enterprise);
    return static_cast<size_t>(h ^ (h >> 31));
  }
};

struct Balance {
  int64_t arranged = 0;
  int64_t disbursed = 0;  // net of returned
};

// Small integer codes for names; "" is kAny.
class Codes {
 public:
  int32_t operator()(std::string_view name) {
    if (name.empty()) return kAny;
    const auto [it, added] = codes_.try_emplace(name, static_cast<int32_t>(codes_.size()));
    return it->second;
  }

 private:
  std::unordered_map<std::string_view, int32_t> codes_;
};

int64_t checked_sum(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    throw OverflowError("the ledger's sums pass the range of int64 fen");
  }
  return sum;
}

// "pool central-lcsf, region 510107, program rent" for the fields a key narrows.
std::string describe_key(const LedgerEvent& event, const Key& key) {
  std::string text = "pool " + event.pool;
  if (key.region != kAny) text += ", region " + event.region;
  if (key.program != kAny) text += ", program " + event.program;
  if (key.enterprise != kAny) text += ", enterprise " + event.enterprise;
  return text;
}

// The keys an event counts toward: its pool, narrowed by every subset of the fields it names
// (coarsest first). The enterprise takes part only when `with_enterprise`.
int keys_of(const Key& full, bool with_enterprise, Key* out) {
  int count = 0;
  const int enterprise_variants = with_enterprise && full.enterprise != kAny ? 2 : 1;
  for (int e = 0; e < enterprise_variants; ++e) {
    for (int mask = 0; mask < 4; ++mask) {
      if ((mask & 1) != 0 && full.region == kAny) continue;
      if ((mask & 2) != 0 && full.program == kAny) continue;
      out[count++] = Key{full.pool, (mask & 1) != 0 ? full.region : kAny,
                         (mask & 2) != 0 ? full.program : kAny, e == 1 ? full.enterprise : kAny};
    }
  }
  return count;
}

}  // namespace

std::string replay_place(const ReplayItem& item) {
  const std::string place = event_place(*item.source, *item.event, item.index);
  return item.in_ledger ? place + " (already in the ledger)" : place;
}

void sort_for_replay(std::vector<ReplayItem>& items) {
  std::sort(items.begin(), items.end(), [](const ReplayItem& a, const ReplayItem& b) {
    if (a.event->date != b.event->date) return a.event->date < b.event->date;
    return a.order < b.order;  // unique: no need for a stable sort
  });
}

Status check_ledger_rules(std::vector<ReplayItem>& items) {
  sort_for_replay(items);
  // Enterprise balances are kept only for the (pool, enterprise) pairs some return names, so the
  // usual ledger — spending without returns — never hashes its enterprises at all.
  Codes codes;
  std::unordered_map<std::string_view, int32_t> returning;  // enterprises named by returns
  for (const ReplayItem& item : items) {
    const LedgerEvent& event = *item.event;
    if (event.type == LedgerEventType::kReturned && !event.enterprise.empty()) {
      returning.try_emplace(event.enterprise, static_cast<int32_t>(returning.size()));
    }
  }
  std::unordered_set<Key, KeyHash> watched;
  std::vector<Key> full(items.size());
  for (size_t k = 0; k < items.size(); ++k) {
    const LedgerEvent& event = *items[k].event;
    full[k] = Key{codes(event.pool), codes(event.region), codes(event.program), kAny};
    if (!returning.empty() && !event.enterprise.empty()) {
      const auto found = returning.find(event.enterprise);
      if (found != returning.end()) full[k].enterprise = found->second;
    }
    if (event.type == LedgerEventType::kReturned && full[k].enterprise != kAny) {
      watched.insert(Key{full[k].pool, kAny, kAny, full[k].enterprise});
    }
  }
  std::unordered_map<int32_t, int64_t> received;
  std::unordered_map<Key, Balance, KeyHash> balances;
  Key keys[8];
  for (size_t k = 0; k < items.size(); ++k) {
    const ReplayItem& item = items[k];
    const LedgerEvent& event = *item.event;
    const int64_t amount = event.amount.fen();
    auto refuse = [&](const std::string& why) {
      return invalid_argument(fmt::format("{}: {} {} on {}: {}", replay_place(item),
                                          ledger_event_name(event.type), event.voucher,
                                          event.date.to_string(), why));
    };
    switch (event.type) {
      case LedgerEventType::kReceived: {
        int64_t& pool_received = received[full[k].pool];
        pool_received = checked_sum(pool_received, amount);
        break;
      }
      case LedgerEventType::kArranged: {
        const int64_t arranged = checked_sum(balances[Key{full[k].pool}].arranged, amount);
        const int64_t pool_received = received[full[k].pool];
        if (arranged > pool_received && !item.allow_overdraft) {
          return refuse(fmt::format(
              "arranged for pool {} would reach {}, beyond the {} it has received by then "
              "(--allow-overdraft permits it)",
              event.pool, format_yuan(Money::from_fen(arranged)),
              format_yuan(Money::from_fen(pool_received))));
        }
        const int count = keys_of(full[k], false, keys);
        for (int j = 0; j < count; ++j) {
          Balance& balance = balances[keys[j]];
          balance.arranged = checked_sum(balance.arranged, amount);
        }
        break;
      }
      case LedgerEventType::kDisbursed: {
        const int count = keys_of(full[k], false, keys);
        for (int j = 0; j < count; ++j) {
          const Balance& balance = balances[keys[j]];
          const int64_t disbursed = checked_sum(balance.disbursed, amount);
          if (disbursed > balance.arranged) {
            return refuse(fmt::format(
                "disbursed for {} would reach {}, beyond the {} arranged for it by then",
                describe_key(event, keys[j]), format_yuan(Money::from_fen(disbursed)),
                format_yuan(Money::from_fen(balance.arranged))));
          }
        }
        const bool with_enterprise =
            full[k].enterprise != kAny &&
            watched.count(Key{full[k].pool, kAny, kAny, full[k].enterprise}) > 0;
        const int all = keys_of(full[k], with_enterprise, keys);
        for (int j = 0; j < all; ++j) {
          Balance& balance = balances[keys[j]];
          balance.disbursed = checked_sum(balance.disbursed, amount);
        }
        break;
      }
      case LedgerEventType::kReturned: {
        const int count = keys_of(full[k], true, keys);
        for (int j = 0; j < count; ++j) {
          const int64_t disbursed = balances[keys[j]].disbursed;
          if (amount > disbursed) {
            return refuse(fmt::format(
                "returning {} would take disbursed for {} below zero ({} disbursed by then)",
                format_yuan(event.amount), describe_key(event, keys[j]),
                format_yuan(Money::from_fen(disbursed))));
          }
        }
        for (int j = 0; j < count; ++j) balances[keys[j]].disbursed -= amount;
        break;
      }
    }
  }
  return Status::Ok();
}

}  // namespace subsidy::internal
