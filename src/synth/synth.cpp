// Synthetic rosters: deterministic, fast, and shaped so that the example plans bite.
//
// Determinism. The bytes depend only on (rows, seed): one xoshiro256** stream seeded through
// SplitMix64 drives every draw in a fixed order, and no std:: distribution is used (their output
// differs between standard libraries). Normal variates come from Box–Muller over std::log,
// std::sqrt and std::cos; every amount is rounded to int64 fen once and then formatted with integer
// arithmetic, so no floating-point formatting reaches the output.
//
// The mixes (shares of all rows unless stated):
//   region         30% 320830 (Xuyi); 35% Chengdu: 30% in the five 两创 districts 510104, 510107,
//                  510108, 510116, 510117 and 5% in 510112, 510113, 510114, 510115; 35% spread over
//                  15 other county-level codes in other provinces (and one elsewhere in Jiangsu).
//   industry       GB/T 4754-2017, a section letter plus the 4-digit class: C manufacturing 40%
//                  (24 classes), F wholesale/retail 15%, I software/IT 10%, G transport 6%,
//                  H hotels/catering 5%, M research/technical 6%, L leasing/business services 5%,
//                  E construction 3%, A agriculture 3%, K real estate 3%, R culture 2%,
//                  J finance 1%, O household services and N parks 1%; each class carries a word
//                  for the names.
//   employees      log-normal, median 25, sigma 1.1, clamped to 1..20000.
//   revenue        yuan, log-normal, median 5,000,000, sigma 1.3, correlated 0.6 (in logs) with
//                  employees, clamped to 1,000..100,000,000,000.
//   assets         revenue × log-normal (median 0.8, sigma 0.5).
//   sales_invoiced revenue × U(0.85, 1.0);   tax_paid  revenue × U(0.01, 0.06).
//                  With these about 43% of rows have tax_paid >= 20万 and about 27% have
//                  sales_invoiced >= 1000万, the Xuyi plan's thresholds.
//   registered_on  1995-01-01..2023-06-30; the age before 2023-06-30 is span × u^1.2, which leans
//                  to recent years so that about 15% of rows are younger than 3 years.
//   tags           入驻基地 35% of Xuyi rows and 5% elsewhere; 专精特新 6%; 小巨人 ~1% (15% of the
//                  专精特新 rows, 0.1% of the others); 高新技术企业 12%; 科技型中小企业 15%;
//                  返乡创业 4%. Written in that order, so none twice in one row.
//   rent_paid      40% of rows, whole yuan, log-uniform in 20,000..300,000; empty otherwise.
//   nulls          0.5% each, independently, in employees, revenue, assets, sales_invoiced,
//                  tax_paid and registered_on (an empty cell).
//   id             "91" + region + "MA" + the 1-based row number in 8 base-31 digits over the
//                  credit-code alphabet (no I, O, S, V, Z): 18 characters, unique up to 31^8 rows.
//   name           place + two syllables + an industry word + 有限公司; no commas or quotes, so no
//                  field ever needs quoting.
#include "subsidy/synth.hpp"

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace subsidy {

namespace {

constexpr std::string_view kHeader =
    "id,name,region,industry,employees,revenue,assets,sales_invoiced,tax_paid,registered_on,tags,"
    "rent_paid\n";

// No row comes near this many bytes (the longest name is under 80 bytes, all tags under 110), so a
// row is built in a fixed scratch buffer and appended once.
constexpr size_t kMaxRowBytes = 1024;
// Rows average about 150 bytes; used only to reserve.
constexpr size_t kTypicalRowBytes = 160;
// write_synthetic_roster flushes whenever its buffer passes this size.
constexpr size_t kFlushBytes = size_t{4} << 20;

// ---- Random numbers

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// xoshiro256** (Blackman & Vigna), seeded from SplitMix64 as its authors recommend so that nearby
// seeds give unrelated streams and the state is never all zero.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& word : s_) word = splitmix64(sm);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // [0, 1) with 53 random bits: exact in double, identical everywhere.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool chance(double p) { return uniform() < p; }
  // [0, n) by multiply-shift; the bias for the small n used here is far below 2^-32.
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }

  // Standard normal by Box–Muller; the second variate of each pair is kept for the next call.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    constexpr double kTwoPi = 6.283185307179586476925286766559;
    const double u1 = 1.0 - uniform();  // (0, 1]: the log is finite.
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    spare_ = radius * std::sin(kTwoPi * u2);
    has_spare_ = true;
    return radius * std::cos(kTwoPi * u2);
  }

 private:
  std::array<uint64_t, 4> s_{};
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// ---- Calendar

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};

constexpr CivilDate civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{y + (m <= 2), m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(civil_from_days(days_from_civil(2000, 2, 29)).day == 29);

constexpr int64_t kFirstDay = days_from_civil(1995, 1, 1);
constexpr int64_t kLastDay = days_from_civil(2023, 6, 30);

// ---- Tables

// A region and the place words its company names start with.
struct Region {
  std::string_view code;
  std::string_view city;      // 盱眙, 成都, 北京 …
  std::string_view district;  // used instead of the city for a share of names
};

constexpr Region kXuyi = {"320830", "盱眙", "淮安"};

// Chengdu: the five districts of the central split carry 30% of all rows, the others 5%.
constexpr std::array<Region, 5> kChengduCore = {{
    {"510104", "成都", "锦江"},
    {"510107", "成都", "武侯"},
    {"510108", "成都", "成华"},
    {"510116", "成都", "双流"},
    {"510117", "成都", "郫都"},
}};
constexpr std::array<Region, 4> kChengduOther = {{
    {"510112", "成都", "龙泉驿"},
    {"510113", "成都", "青白江"},
    {"510114", "成都", "新都"},
    {"510115", "成都", "温江"},
}};
// Real county-level codes elsewhere, so that region filters have something to exclude.
constexpr std::array<Region, 15> kOtherRegions = {{
    {"110108", "北京", "海淀"},
    {"310115", "上海", "浦东"},
    {"440305", "深圳", "南山"},
    {"330106", "杭州", "西湖"},
    {"320583", "昆山", "苏州"},
    {"320106", "南京", "鼓楼"},
    {"320812", "淮安", "清江浦"},
    {"420111", "武汉", "洪山"},
    {"430104", "长沙", "岳麓"},
    {"610113", "西安", "雁塔"},
    {"500112", "重庆", "渝北"},
    {"370212", "青岛", "崂山"},
    {"350206", "厦门", "湖里"},
    {"410105", "郑州", "金水"},
    {"340104", "合肥", "蜀山"},
}};

constexpr double kXuyiShare = 0.30;
constexpr double kChengduCoreShare = 0.30;
constexpr double kChengduOtherShare = 0.05;

// A GB/T 4754-2017 class, its weight in basis points of all rows, and the word names use for it.
struct Industry {
  std::string_view code;
  uint32_t weight;
  std::string_view word;
};

constexpr std::array<Industry, 67> kIndustries = {{
    // C manufacturing: 4000
    {"C3484", 250, "精密机械"},
    {"C3982", 200, "电子科技"},
    {"C1491", 200, "食品"},
    {"C3021", 150, "建材"},
    {"C1711", 150, "纺织"},
    {"C3421", 200, "智能装备"},
    {"C2231", 150, "包装"},
    {"C3744", 150, "航空科技"},
    {"C3743", 100, "航天科技"},
    {"C2761", 150, "生物制药"},
    {"C3911", 200, "计算机设备"},
    {"C3311", 150, "金属结构"},
    {"C2929", 200, "塑料制品"},
    {"C3360", 150, "表面处理"},
    {"C3670", 200, "汽车零部件"},
    {"C3825", 150, "光伏科技"},
    {"C3972", 150, "半导体"},
    {"C2669", 150, "新材料"},
    {"C1810", 150, "服饰"},
    {"C2110", 150, "家具"},
    {"C1392", 100, "豆制品"},
    {"C3589", 200, "医疗器械"},
    {"C3441", 200, "泵阀"},
    {"C3399", 150, "五金制品"},
    // F wholesale and retail: 1500
    {"F5123", 200, "水产贸易"},
    {"F5139", 250, "商贸"},
    {"F5179", 200, "机电贸易"},
    {"F5212", 200, "超市"},
    {"F5292", 350, "电子商务"},
    {"F5251", 300, "大药房"},
    // I information and software: 1000
    {"I6311", 50, "通信"},
    {"I6410", 100, "网络科技"},
    {"I6450", 150, "数据服务"},
    {"I6490", 100, "大数据"},
    {"I6511", 250, "软件"},
    {"I6513", 200, "应用软件"},
    {"I6520", 150, "集成电路设计"},
    // G transport, logistics and post: 600
    {"G5431", 250, "物流"},
    {"G5821", 200, "货运代理"},
    {"G5990", 150, "仓储"},
    // H hotels and catering: 500
    {"H6110", 150, "酒店管理"},
    {"H6210", 350, "餐饮管理"},
    // M research and technical services: 600
    {"M7320", 200, "新材料研究院"},
    {"M7452", 150, "检测技术"},
    {"M7491", 150, "工业设计"},
    {"M7530", 100, "技术转移"},
    // L leasing and business services: 500
    {"L7212", 150, "投资管理"},
    {"L7243", 200, "咨询"},
    {"L7251", 150, "广告传媒"},
    // E construction: 300
    {"E4710", 150, "建筑工程"},
    {"E4813", 50, "市政工程"},
    {"E4910", 50, "电气安装"},
    {"E5011", 50, "装饰工程"},
    // A agriculture: 300
    {"A0141", 100, "农业发展"},
    {"A0111", 50, "种植"},
    {"A0412", 100, "水产养殖"},
    {"A0313", 50, "生态养殖"},
    // K real estate: 300
    {"K7010", 150, "房地产开发"},
    {"K7020", 150, "物业管理"},
    // R culture, sports and entertainment: 200
    {"R8810", 80, "文化传播"},
    {"R8730", 70, "影视"},
    {"R8930", 50, "体育发展"},
    // J finance: 100 (unclassified by the SME standard)
    {"J6635", 40, "小额贷款"},
    {"J6999", 30, "融资担保"},
    {"J6731", 30, "创业投资"},
    // O services to households, N public facilities: 100
    {"O8010", 50, "家政服务"},
    {"N7840", 50, "园林绿化"},
}};

constexpr uint32_t total_industry_weight() {
  uint32_t total = 0;
  for (const Industry& industry : kIndustries) total += industry.weight;
  return total;
}
static_assert(total_industry_weight() == 10000, "industry weights are basis points");

// Middle syllables of the names: auspicious characters common in Chinese trade names.
constexpr std::array<std::string_view, 48> kSyllables = {
    "华", "盛", "源", "泰", "鑫", "达", "恒", "通", "宏", "瑞", "丰", "隆", "汇", "德", "信", "安",
    "兴", "润", "嘉", "诚", "正", "明", "亿", "天", "金", "银", "新", "晟", "博", "远", "创", "合",
    "凯", "旭", "辉", "和", "中", "川", "蓉", "楚", "云", "海", "星", "卓", "锐", "智", "康", "力"};

// Tags in the order they are written.
constexpr std::string_view kTagBase = "入驻基地";
constexpr std::string_view kTagSpecialised = "专精特新";
constexpr std::string_view kTagGiant = "小巨人";
constexpr std::string_view kTagHighTech = "高新技术企业";
constexpr std::string_view kTagTechSme = "科技型中小企业";
constexpr std::string_view kTagReturnee = "返乡创业";

constexpr double kNullShare = 0.005;

// The credit-code alphabet: digits and capitals without I, O, S, V, Z.
constexpr std::string_view kCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int kSerialDigits = 8;

// ---- Formatting

char* put(char* out, std::string_view text) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

char* put_uint(char* out, uint64_t value) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) *out++ = digits[--n];
  return out;
}

// Yuan with exactly two decimals from int64 fen, without floating point.
char* put_fen(char* out, int64_t fen) {
  uint64_t magnitude;
  if (fen < 0) {
    *out++ = '-';
    magnitude = 0 - static_cast<uint64_t>(fen);
  } else {
    magnitude = static_cast<uint64_t>(fen);
  }
  out = put_uint(out, magnitude / 100);
  const unsigned cents = static_cast<unsigned>(magnitude % 100);
  *out++ = '.';
  *out++ = static_cast<char>('0' + cents / 10);
  *out++ = static_cast<char>('0' + cents % 10);
  return out;
}

char* put_two(char* out, unsigned value) {
  *out++ = static_cast<char>('0' + value / 10);
  *out++ = static_cast<char>('0' + value % 10);
  return out;
}

char* put_date(char* out, int64_t days) {
  const CivilDate date = civil_from_days(days);
  const unsigned year = static_cast<unsigned>(date.year);
  out = put_two(out, year / 100);
  out = put_two(out, year % 100);
  *out++ = '-';
  out = put_two(out, date.month);
  *out++ = '-';
  return put_two(out, date.day);
}

// ---- Rows

// Rounds a positive yuan amount to fen, clamped so the int64 conversion is always defined.
int64_t to_fen(double yuan) {
  constexpr double kMaxFen = 1e15;
  const double fen = std::nearbyint(yuan * 100.0);
  if (!(fen >= 0.0)) return 0;
  return static_cast<int64_t>(fen < kMaxFen ? fen : kMaxFen);
}

class RowGenerator {
 public:
  explicit RowGenerator(uint64_t seed) : rng_(seed) {}

  // Appends row `index` (0-based) with its LF. Rows must be generated in order.
  void append_row(std::string& out, int64_t index) {
    char row[kMaxRowBytes];
    char* p = row;

    const Region& region = pick_region();
    const bool in_xuyi = region.code == kXuyi.code;
    const Industry& industry = pick_industry();

    // id: "91" (enterprise, registered with the market regulator) + region + "MA" + serial.
    p = put(p, "91");
    p = put(p, region.code);
    p = put(p, "MA");
    uint64_t serial = static_cast<uint64_t>(index) + 1;
    for (int i = kSerialDigits - 1; i >= 0; --i) {
      p[i] = kCodeAlphabet[serial % kCodeAlphabet.size()];
      serial /= kCodeAlphabet.size();
    }
    p += kSerialDigits;
    *p++ = ',';

    // name
    p = put(p, rng_.chance(0.7) ? region.city : region.district);
    p = put(p, kSyllables[rng_.below(kSyllables.size())]);
    p = put(p, kSyllables[rng_.below(kSyllables.size())]);
    p = put(p, industry.word);
    p = put(p, "有限公司,");

    p = put(p, region.code);
    *p++ = ',';
    p = put(p, industry.code);
    *p++ = ',';

    // Latent sizes: revenue follows employees in logs with correlation 0.6.
    constexpr double kLogEmployeesMedian = 3.2188758248682006;  // ln 25
    constexpr double kLogRevenueMedian = 15.424948470398375;    // ln 5,000,000
    constexpr double kCorrelation = 0.6;
    const double z_employees = rng_.normal();
    const double z_revenue =
        kCorrelation * z_employees + std::sqrt(1.0 - kCorrelation * kCorrelation) * rng_.normal();
    double employees = std::nearbyint(std::exp(kLogEmployeesMedian + 1.1 * z_employees));
    employees = employees < 1.0 ? 1.0 : (employees > 20000.0 ? 20000.0 : employees);
    double revenue = std::exp(kLogRevenueMedian + 1.3 * z_revenue);
    revenue = revenue < 1e3 ? 1e3 : (revenue > 1e11 ? 1e11 : revenue);
    const int64_t revenue_fen = to_fen(revenue);
    const double revenue_exact = static_cast<double>(revenue_fen) / 100.0;
    const int64_t assets_fen =
        to_fen(revenue_exact * std::exp(std::log(0.8) + 0.5 * rng_.normal()));
    const int64_t sales_fen = to_fen(revenue_exact * rng_.uniform(0.85, 1.0));
    const int64_t tax_fen = to_fen(revenue_exact * rng_.uniform(0.01, 0.06));

    if (!null_cell()) p = put_uint(p, static_cast<uint64_t>(employees));
    *p++ = ',';
    if (!null_cell()) p = put_fen(p, revenue_fen);
    *p++ = ',';
    if (!null_cell()) p = put_fen(p, assets_fen);
    *p++ = ',';
    if (!null_cell()) p = put_fen(p, sales_fen);
    *p++ = ',';
    if (!null_cell()) p = put_fen(p, tax_fen);
    *p++ = ',';

    // registered_on: age = span × u^1.2 leans towards recent dates.
    constexpr double kAgeExponent = 1.2;
    const double age =
        static_cast<double>(kLastDay - kFirstDay) * std::pow(rng_.uniform(), kAgeExponent);
    const int64_t registered = kLastDay - static_cast<int64_t>(age);
    if (!null_cell()) p = put_date(p, registered);
    *p++ = ',';

    // tags
    char* const tags_start = p;
    const auto add_tag = [&p, tags_start](std::string_view tag) {
      if (p != tags_start) *p++ = ';';
      p = put(p, tag);
    };
    if (rng_.chance(in_xuyi ? 0.35 : 0.05)) add_tag(kTagBase);
    const bool specialised = rng_.chance(0.06);
    if (specialised) add_tag(kTagSpecialised);
    if (rng_.chance(specialised ? 0.15 : 0.001)) add_tag(kTagGiant);
    if (rng_.chance(0.12)) add_tag(kTagHighTech);
    if (rng_.chance(0.15)) add_tag(kTagTechSme);
    if (rng_.chance(0.04)) add_tag(kTagReturnee);
    *p++ = ',';

    // rent_paid: whole yuan, log-uniform in 20,000..300,000.
    if (rng_.chance(0.40)) {
      const double rent = std::nearbyint(20000.0 * std::exp(std::log(15.0) * rng_.uniform()));
      p = put_fen(p, static_cast<int64_t>(rent) * 100);
    }
    *p++ = '\n';

    out.append(row, static_cast<size_t>(p - row));
  }

 private:
  const Region& pick_region() {
    const double u = rng_.uniform();
    if (u < kXuyiShare) return kXuyi;
    if (u < kXuyiShare + kChengduCoreShare) return kChengduCore[rng_.below(kChengduCore.size())];
    if (u < kXuyiShare + kChengduCoreShare + kChengduOtherShare) {
      return kChengduOther[rng_.below(kChengduOther.size())];
    }
    return kOtherRegions[rng_.below(kOtherRegions.size())];
  }

  const Industry& pick_industry() {
    uint32_t target = rng_.below(10000);
    for (const Industry& industry : kIndustries) {
      if (target < industry.weight) return industry;
      target -= industry.weight;
    }
    return kIndustries.back();  // Unreachable: the weights sum to 10000.
  }

  // Always draws, so a null never shifts the stream of the cells after it.
  bool null_cell() { return rng_.chance(kNullShare); }

  Rng rng_;
};

}  // namespace

std::string synthetic_roster_csv(const SynthOptions& options) {
  // The header cannot return a Status here; a negative count is a caller's bug.
  if (options.rows < 0) throw std::invalid_argument("synthetic roster: rows must be >= 0");
  std::string out;
  // Reserve for up to ~4M rows; beyond that let the string grow rather than guess big.
  const size_t rows = static_cast<size_t>(options.rows);
  out.reserve(kHeader.size() +
              (rows < (size_t{4} << 20) ? rows : (size_t{4} << 20)) * kTypicalRowBytes);
  out.append(kHeader);
  RowGenerator generator(options.seed);
  for (int64_t i = 0; i < options.rows; ++i) generator.append_row(out, i);
  return out;
}

Status write_synthetic_roster(const SynthOptions& options, const std::string& path) {
  if (options.rows < 0) {
    return invalid_argument("synthetic roster: rows must be >= 0, got " +
                            std::to_string(options.rows));
  }
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return io_error("cannot write " + path + ": " + std::strerror(errno));

  std::string buffer;
  buffer.reserve(kFlushBytes + kMaxRowBytes);
  buffer.append(kHeader);
  RowGenerator generator(options.seed);
  int write_errno = 0;
  const auto flush = [&]() {
    if (write_errno == 0 && !buffer.empty() &&
        std::fwrite(buffer.data(), 1, buffer.size(), file) != buffer.size()) {
      write_errno = errno != 0 ? errno : EIO;
    }
    buffer.clear();
  };
  for (int64_t i = 0; i < options.rows && write_errno == 0; ++i) {
    generator.append_row(buffer, i);
    if (buffer.size() >= kFlushBytes) flush();
  }
  flush();
  if (std::fclose(file) != 0 && write_errno == 0) write_errno = errno != 0 ? errno : EIO;
  // A partial file is left in place: the path may not be a regular file we own (/dev/stdout).
  if (write_errno != 0) {
    return io_error("cannot write " + path + ": " + std::strerror(write_errno));
  }
  return Status::Ok();
}

}  // namespace subsidy
