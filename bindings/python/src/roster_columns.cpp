// Rosters from numpy columns and back (see roster_columns.hpp).
#include "roster_columns.hpp"

#include "common/csv.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <string_view>

namespace py = pybind11;

namespace subsidy::python {

namespace {

using internal::trim_blanks;

// The shortest decimal that reads back as `value` (what Python prints), written out in plain
// notation ("3.602879701896397e+16" → "36028797018963970000", "1e-05" → "0.00001"), so the money
// and rate readers can take it.
std::string shortest_fixed(double value) {
  char buffer[64];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  if (error != std::errc()) return std::string();
  const std::string_view text(buffer, static_cast<size_t>(end - buffer));
  const size_t e = text.find('e');
  std::string_view mantissa = text.substr(0, e);
  const int exponent = std::stoi(std::string(text.substr(e + 1)));
  std::string sign;
  if (!mantissa.empty() && mantissa.front() == '-') {
    sign = "-";
    mantissa.remove_prefix(1);
  }
  std::string digits;  // the mantissa's digits, the point after the first
  for (const char c : mantissa)
    if (c != '.') digits.push_back(c);
  const int point = 1 + exponent;  // digits before the point
  std::string out;
  if (point <= 0) {
    out = "0." + std::string(static_cast<size_t>(-point), '0') + digits;
  } else if (static_cast<size_t>(point) >= digits.size()) {
    out = digits + std::string(static_cast<size_t>(point) - digits.size(), '0');
  } else {
    out = digits.substr(0, static_cast<size_t>(point)) + "." + digits.substr(static_cast<size_t>(point));
  }
  return sign + out;
}

Result<int64_t> parse_whole(std::string_view text) {
  text = trim_blanks(text);
  int64_t value = 0;
  const char* begin = text.data();
  if (!text.empty() && text.front() == '+') ++begin;
  const auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) {
    return out_of_range(fmt::format("integer {} is out of range", text));
  }
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return invalid_argument(fmt::format("invalid integer \"{}\"", text));
  }
  return value;
}

// Null cells of an object column: None, float NaN, pandas.NA, pandas.NaT.
struct NullObjects {
  PyObject* na = nullptr;
  PyObject* nat = nullptr;
};
const NullObjects& null_objects() {
  static const NullObjects objects = [] {
    NullObjects found;
    py::module_ pandas = py::module_::import("pandas");
    found.na = py::object(pandas.attr("NA")).release().ptr();  // kept for the life of the process
    found.nat = py::object(pandas.attr("NaT")).release().ptr();
    return found;
  }();
  return objects;
}

bool is_null_object(PyObject* object) {
  if (object == nullptr || object == Py_None) return true;
  if (PyFloat_Check(object)) return std::isnan(PyFloat_AS_DOUBLE(object));
  if (PyUnicode_Check(object) || PyLong_Check(object)) return false;
  const NullObjects& nulls = null_objects();
  if (object == nulls.na || object == nulls.nat) return true;
  // decimal.Decimal("NaN"), which pandas counts as missing too.
  py::handle handle(object);
  return py::hasattr(handle, "is_nan") && handle.attr("is_nan")().cast<bool>();
}

// The text a CSV cell would hold for `object` (not null), for a column of type `type`: a date or
// datetime gives its date for a date column and its whole ISO text otherwise. Bytes and objects
// without a text of their own are refused rather than written as their repr.
Result<std::string> text_of_object(PyObject* object, ColumnType type) {
  if (PyUnicode_Check(object)) {
    Py_ssize_t size = 0;
    const char* chars = PyUnicode_AsUTF8AndSize(object, &size);
    if (chars == nullptr) throw py::error_already_set();
    return std::string(chars, static_cast<size_t>(size));
  }
  if (PyBool_Check(object)) return std::string(object == Py_True ? "true" : "false");
  if (PyFloat_Check(object)) return shortest_fixed(PyFloat_AS_DOUBLE(object));
  py::handle handle(object);
  if (PyBytes_Check(object) || PyByteArray_Check(object)) {
    return invalid_argument("a bytes value: decode it to str first");
  }
  if (py::hasattr(handle, "isoformat") && py::hasattr(handle, "year")) {
    // datetime.date, datetime.datetime, pandas.Timestamp.
    std::string iso = py::str(handle.attr("isoformat")()).cast<std::string>();
    if (type == ColumnType::kDate) iso.resize(std::min<size_t>(iso.size(), 10));
    return iso;
  }
  if (PyIndex_Check(object)) {  // int, numpy integers
    return py::str(py::reinterpret_steal<py::object>(PyNumber_Index(object))).cast<std::string>();
  }
  // decimal.Decimal: fixed point ("1.5E+3" → "1500").
  if (py::hasattr(handle, "as_tuple")) {
    PyObject* formatted = PyObject_Format(object, py::str("f").ptr());
    if (formatted == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::str>(formatted).cast<std::string>();
  }
  if (PyFloat_Check(object) || PyNumber_Check(object)) {  // numpy floats
    return shortest_fixed(PyFloat_AsDouble(object));
  }
  return invalid_argument(fmt::format(
      "a {} value has no text of its own",
      py::str(py::type::of(handle).attr("__name__")).cast<std::string>()));
}

// A problem in one cell, before the column and row are known.
struct CellError {
  Status status;
};

class ColumnBuilder {
 public:
  ColumnBuilder(const ColumnInput& input, ColumnType type, RowIndex rows)
      : input_(input), column_(input.name, type) {
    column_.reserve(rows);
  }

  Status build(RowIndex rows);
  Column take() { return std::move(column_); }

 private:
  Status cell_error(RowIndex row, const Status& status) const {
    return Status(status.code(),
                  fmt::format("column {}, row {}: {}", input_.name, row, status.message()));
  }
  Status type_error(std::string_view what) const {
    return invalid_argument(fmt::format("column {}: a {} column cannot hold {}", input_.name,
                                        column_type_name(column_.type()), what));
  }
  // Appends one value given as text, read as a CSV cell of the column's type would be.
  Status append_text(std::string_view text);
  Status append_tags_object(PyObject* object);

  Status from_int64(RowIndex rows);
  Status from_float64(RowIndex rows);
  Status from_categorical(RowIndex rows);
  Status from_days(RowIndex rows);
  Status from_bool(RowIndex rows);
  Status from_objects(RowIndex rows);

  const bool* mask_data() const {
    if (input_.mask.is_none()) return nullptr;
    return static_cast<const bool*>(input_.mask.cast<py::array>().data());
  }

  const ColumnInput& input_;
  Column column_;
  std::vector<int32_t> tag_codes_;
};

Status ColumnBuilder::append_text(std::string_view text) {
  switch (column_.type()) {
    case ColumnType::kText:
    case ColumnType::kString:
      column_.append_string(text);
      return Status::Ok();
    case ColumnType::kTags:
      column_.append_tag_text(text);
      return Status::Ok();
    case ColumnType::kMoney: {
      Result<Money> money = parse_money(trim_blanks(text));
      if (!money.ok()) return money.status();
      column_.append_int64(money->fen());
      return Status::Ok();
    }
    case ColumnType::kInteger: {
      Result<int64_t> value = parse_whole(text);
      if (!value.ok()) return value.status();
      column_.append_int64(*value);
      return Status::Ok();
    }
    case ColumnType::kRate: {
      Result<Rate> rate = parse_rate(trim_blanks(text));
      if (!rate.ok()) return rate.status();
      column_.append_int64(rate->nanos());
      return Status::Ok();
    }
    case ColumnType::kBool: {
      const std::string_view value = trim_blanks(text);
      if (value != "true" && value != "false") {
        return invalid_argument(fmt::format("invalid bool \"{}\": expected true or false", value));
      }
      column_.append_int64(value == "true" ? 1 : 0);
      return Status::Ok();
    }
    case ColumnType::kDate: {
      Result<Date> date = parse_date(trim_blanks(text));
      if (!date.ok()) return date.status();
      column_.append_int32(date->serial());
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status ColumnBuilder::append_tags_object(PyObject* object) {
  tag_codes_.clear();
  py::iterable items = py::reinterpret_borrow<py::iterable>(object);
  for (py::handle item : items) {
    if (!PyUnicode_Check(item.ptr())) {
      return invalid_argument(fmt::format("a tag must be a str, not {}",
                                          py::str(py::type::of(item).attr("__name__")).cast<std::string>()));
    }
    const std::string_view tag = trim_blanks(item.cast<std::string_view>());
    if (tag.empty()) continue;
    if (tag.find(';') != std::string_view::npos) {
      return invalid_argument(fmt::format("tag \"{}\" holds a ';'", tag));
    }
    tag_codes_.push_back(column_.dictionary_for_build().intern(tag));
  }
  column_.append_tags(tag_codes_);
  return Status::Ok();
}

Status ColumnBuilder::from_int64(RowIndex rows) {
  const ColumnType type = column_.type();
  if (type != ColumnType::kMoney && type != ColumnType::kInteger && type != ColumnType::kBool) {
    return type_error("int64 numbers");
  }
  const auto* values = static_cast<const int64_t*>(input_.data.data());
  const bool* mask = mask_data();
  for (RowIndex row = 0; row < rows; ++row) {
    if (mask != nullptr && mask[row]) {
      column_.append_null();
    } else if (type == ColumnType::kBool && values[row] != 0 && values[row] != 1) {
      return cell_error(row, invalid_argument(fmt::format("invalid bool {}: expected 0 or 1",
                                                          values[row])));
    } else {
      column_.append_int64(values[row]);
    }
  }
  return Status::Ok();
}

Status ColumnBuilder::from_float64(RowIndex rows) {
  const ColumnType type = column_.type();
  const auto* values = static_cast<const double*>(input_.data.data());
  for (RowIndex row = 0; row < rows; ++row) {
    const double value = values[row];
    if (std::isnan(value)) {
      column_.append_null();
      continue;
    }
    switch (type) {
      case ColumnType::kMoney: {
        Result<int64_t> fen = fen_of_float_yuan(value);
        if (!fen.ok()) return cell_error(row, fen.status());
        column_.append_int64(*fen);
        break;
      }
      case ColumnType::kInteger:
        if (!std::isfinite(value) || value != std::trunc(value) || std::fabs(value) >= 9.2e18) {
          return cell_error(row, invalid_argument(fmt::format(
                                     "{} is not a whole number", shortest_fixed(value))));
        }
        column_.append_int64(static_cast<int64_t>(value));
        break;
      case ColumnType::kRate: {
        if (!std::isfinite(value)) {
          return cell_error(row, invalid_argument(fmt::format("rate {} is not finite", value)));
        }
        Result<Rate> rate = parse_rate(shortest_fixed(value));
        if (!rate.ok()) return cell_error(row, rate.status());
        column_.append_int64(rate->nanos());
        break;
      }
      default:
        return type_error("float64 numbers");
    }
  }
  return Status::Ok();
}

Status ColumnBuilder::from_categorical(RowIndex rows) {
  const ColumnType type = column_.type();
  if (type != ColumnType::kString && type != ColumnType::kText) {
    return type_error("categories (convert the column to its values first)");
  }
  const py::list categories = input_.categories.cast<py::list>();
  std::vector<int32_t> code_of_category(categories.size());
  std::vector<std::string> text_of_category(categories.size());
  for (size_t index = 0; index < categories.size(); ++index) {
    PyObject* category = categories[index].ptr();
    if (is_null_object(category)) {
      return invalid_argument(fmt::format("column {}: a category is null", input_.name));
    }
    Result<std::string> text = text_of_object(category, type);
    if (!text.ok()) {
      return invalid_argument(
          fmt::format("column {}, category {}: {}", input_.name, index, text.status().message()));
    }
    text_of_category[index] = std::move(*text);
    if (type == ColumnType::kString) {
      code_of_category[index] = column_.dictionary_for_build().intern(text_of_category[index]);
    }
  }
  const auto* codes = static_cast<const int32_t*>(input_.data.data());
  const auto count = static_cast<int32_t>(categories.size());
  for (RowIndex row = 0; row < rows; ++row) {
    const int32_t code = codes[row];
    if (code < 0) {
      column_.append_null();
    } else if (code >= count) {
      return cell_error(row, invalid_argument(fmt::format("category code {} of {}", code, count)));
    } else if (type == ColumnType::kString) {
      column_.append_code(code_of_category[code]);
    } else {
      column_.append_string(text_of_category[code]);
    }
  }
  return Status::Ok();
}

Status ColumnBuilder::from_days(RowIndex rows) {
  if (column_.type() != ColumnType::kDate) return type_error("dates");
  const auto* days = static_cast<const int64_t*>(input_.data.data());
  const bool* mask = mask_data();
  for (RowIndex row = 0; row < rows; ++row) {
    if (mask != nullptr && mask[row]) {
      column_.append_null();
    } else if (days[row] < -719162 || days[row] > 2932896) {  // years 1 to 9999
      return cell_error(row, out_of_range(fmt::format("date {} days from 1970-01-01 is out of range",
                                                      days[row])));
    } else {
      column_.append_int32(static_cast<int32_t>(days[row]));
    }
  }
  return Status::Ok();
}

Status ColumnBuilder::from_bool(RowIndex rows) {
  if (column_.type() != ColumnType::kBool) return type_error("booleans");
  const auto* values = static_cast<const bool*>(input_.data.data());
  const bool* mask = mask_data();
  for (RowIndex row = 0; row < rows; ++row) {
    if (mask != nullptr && mask[row]) {
      column_.append_null();
    } else {
      column_.append_int64(values[row] ? 1 : 0);
    }
  }
  return Status::Ok();
}

Status ColumnBuilder::from_objects(RowIndex rows) {
  const ColumnType type = column_.type();
  auto* const* objects = static_cast<PyObject* const*>(input_.data.data());
  for (RowIndex row = 0; row < rows; ++row) {
    PyObject* object = objects[row];
    if (type == ColumnType::kTags && object != nullptr && !PyUnicode_Check(object) &&
        (PyList_Check(object) || PyTuple_Check(object) || PyAnySet_Check(object) ||
         py::isinstance<py::array>(object))) {
      const Status added = append_tags_object(object);
      if (!added.ok()) return cell_error(row, added);
      continue;
    }
    if (is_null_object(object)) {
      // An empty tags cell is the empty set, as in a CSV.
      if (type == ColumnType::kTags) {
        tag_codes_.clear();
        column_.append_tags(tag_codes_);
      } else {
        column_.append_null();
      }
      continue;
    }
    if (type == ColumnType::kMoney && PyFloat_Check(object)) {
      Result<int64_t> fen = fen_of_float_yuan(PyFloat_AS_DOUBLE(object));
      if (!fen.ok()) return cell_error(row, fen.status());
      column_.append_int64(*fen);
      continue;
    }
    if (type == ColumnType::kMoney && PyIndex_Check(object) && !PyBool_Check(object)) {
      return cell_error(row, invalid_argument(
                                 "an int in a money column of objects is ambiguous: give int64 fen "
                                 "as the whole column's dtype, or yuan as decimal.Decimal or str"));
    }
    Result<std::string> text_or = text_of_object(object, type);
    if (!text_or.ok()) return cell_error(row, text_or.status());
    const std::string& text = *text_or;
    if (type == ColumnType::kText || type == ColumnType::kString) {
      column_.append_string(text);
      continue;
    }
    const std::string_view value = trim_blanks(text);
    if (value.empty() && type != ColumnType::kTags) {
      column_.append_null();
      continue;
    }
    const Status added = append_text(value);
    if (!added.ok()) return cell_error(row, added);
  }
  return Status::Ok();
}

Status ColumnBuilder::build(RowIndex rows) {
  if (input_.data.ndim() != 1 || input_.data.shape(0) != rows) {
    return invalid_argument(fmt::format("column {}: {} values for {} rows", input_.name,
                                        input_.data.ndim() == 1 ? input_.data.shape(0) : -1, rows));
  }
  if (!input_.mask.is_none() && input_.mask.cast<py::array>().size() != rows) {
    return invalid_argument(fmt::format("column {}: the null mask does not match", input_.name));
  }
  const std::string& kind = input_.kind;
  // The buffer is read as it lies: one contiguous run of the kind's element type.
  struct Element {
    char kind;  // numpy's dtype kind
    py::ssize_t size;
  };
  const Element expected = kind == "int64" || kind == "days" ? Element{'i', 8}
                           : kind == "float64"                ? Element{'f', 8}
                           : kind == "categorical"            ? Element{'i', 4}
                           : kind == "bool"                   ? Element{'b', 1}
                                                              : Element{'O', sizeof(PyObject*)};
  if (!(input_.data.flags() & py::array::c_style) || input_.data.dtype().kind() != expected.kind ||
      input_.data.itemsize() != expected.size) {
    return internal_error(fmt::format("column {}: a {} column needs a contiguous array of {}{}",
                                      input_.name, kind, expected.kind, expected.size));
  }
  if (!input_.mask.is_none()) {
    const py::array mask = input_.mask.cast<py::array>();
    if (!(mask.flags() & py::array::c_style) || mask.dtype().kind() != 'b') {
      return internal_error(fmt::format("column {}: the null mask is not a contiguous bool array",
                                        input_.name));
    }
  }
  if (kind == "int64") return from_int64(rows);
  if (kind == "float64") return from_float64(rows);
  if (kind == "categorical") return from_categorical(rows);
  if (kind == "days") return from_days(rows);
  if (kind == "bool") return from_bool(rows);
  if (kind == "object") return from_objects(rows);
  return internal_error(fmt::format("column {}: unknown kind {}", input_.name, kind));
}

}  // namespace

Result<int64_t> fen_of_float_yuan(double yuan) {
  if (!std::isfinite(yuan)) {
    return invalid_argument(fmt::format("amount {} is not a finite number", yuan));
  }
  // Fast path: below 10^12 yuan a float is the one nearest to at most one amount in fen, so when
  // the fen nearest to yuan × 100 reads back as this very float, its shortest decimal is that
  // amount (at most two decimals).
  if (std::fabs(yuan) < 1e12) {
    const double fen = std::nearbyint(yuan * 100.0);
    if (fen / 100.0 == yuan) return static_cast<int64_t>(fen);
  }
  // The shortest decimal, rounded half away from zero to two decimals by its digits.
  const std::string text = shortest_fixed(yuan);
  const size_t point = text.find('.');
  std::string whole = text.substr(0, point);
  std::string fraction = point == std::string::npos ? "" : text.substr(point + 1);
  const bool negative = !whole.empty() && whole[0] == '-';
  if (negative) whole.erase(0, 1);
  const bool round_up = fraction.size() > 2 && fraction[2] >= '5';
  fraction.resize(2, '0');
  std::string digits = whole + fraction;  // fen, before rounding
  if (round_up) {
    size_t pos = digits.size();
    while (pos > 0 && digits[pos - 1] == '9') digits[--pos] = '0';
    if (pos == 0) {
      digits.insert(digits.begin(), '1');
    } else {
      ++digits[pos - 1];
    }
  }
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return int64_t{0};
  if (digits.size() - first > 18 && (digits.size() - first > 19 || digits.substr(first) > "9223372036854775807")) {
    return out_of_range(fmt::format("amount {} yuan is out of range", text));
  }
  int64_t fen = 0;
  for (size_t pos = first; pos < digits.size(); ++pos) fen = fen * 10 + (digits[pos] - '0');
  return negative ? -fen : fen;
}

Result<Roster> roster_from_columns(std::vector<ColumnInput> columns) {
  RowIndex rows = 0;
  for (const ColumnInput& input : columns) {
    if (input.data.ndim() == 1) {
      rows = input.data.shape(0);
      break;
    }
  }
  Roster roster;
  bool has_id = false;
  for (const ColumnInput& input : columns) {
    if (input.name == "size") {
      return invalid_argument(
          "column size is derived from industry, employees, revenue and assets; drop or rename "
          "the frame's own size column");
    }
    Result<ColumnType> type = parse_column_type(input.type);
    if (!type.ok()) return type.status().with_context(fmt::format("column {}", input.name));
    if (const auto standard = standard_column_of(input.name);
        standard && standard->second != *type) {
      return invalid_argument(fmt::format("column {} is {} by SPEC, not {}", input.name,
                                          column_type_name(standard->second), input.type));
    }
    for (const Column& earlier : roster.columns()) {
      if (earlier.name() == input.name) {
        return invalid_argument(fmt::format("column {} is given twice", input.name));
      }
    }
    ColumnBuilder builder(input, *type, rows);
    SUBSIDY_RETURN_IF_ERROR(builder.build(rows));
    Column column = builder.take();
    if (column.type() == ColumnType::kTags) column.build_tag_index();
    if (input.name == "id") {
      has_id = true;
      for (RowIndex row = 0; row < rows; ++row) {
        if (column.is_null(row) || column.text(row).empty()) {
          return invalid_argument(fmt::format("column id, row {}: empty id", row));
        }
      }
    }
    SUBSIDY_RETURN_IF_ERROR(roster.add_column(std::move(column)));
  }
  if (!has_id) return invalid_argument("no id column");
  if (const auto duplicate = roster.build_id_index()) {
    return invalid_argument(fmt::format("column id, row {}: duplicate id \"{}\" (first in row {})",
                                        duplicate->second,
                                        roster.column("id").text(duplicate->first),
                                        duplicate->first));
  }
  SUBSIDY_RETURN_IF_ERROR(roster.add_size_column());
  return roster;
}

py::tuple column_to_python(const Column& column) {
  const RowIndex rows = column.size();
  py::array_t<bool> mask(rows);
  bool* nulls = mask.mutable_data();
  for (RowIndex row = 0; row < rows; ++row) nulls[row] = column.is_null(row);
  const py::object no_mask = column.null_count() == 0 ? py::object(py::none()) : py::object(mask);
  switch (column.type()) {
    case ColumnType::kMoney:
    case ColumnType::kInteger:
    case ColumnType::kRate:
    case ColumnType::kBool: {
      py::array_t<int64_t> data(rows);
      std::memcpy(data.mutable_data(), column.int64s().data(), rows * sizeof(int64_t));
      return py::make_tuple("int64", data, no_mask, py::none());
    }
    case ColumnType::kDate: {
      py::array_t<int64_t> data(rows);
      int64_t* days = data.mutable_data();
      for (RowIndex row = 0; row < rows; ++row) days[row] = column.int32s()[row];
      return py::make_tuple("days", data, no_mask, py::none());
    }
    case ColumnType::kString: {
      py::array_t<int32_t> data(rows);
      std::memcpy(data.mutable_data(), column.int32s().data(), rows * sizeof(int32_t));
      py::list categories;
      const Dictionary& dictionary = column.dictionary();
      for (int32_t code = 0; code < dictionary.size(); ++code) {
        categories.append(py::str(std::string(dictionary.value(code))));
      }
      return py::make_tuple("categorical", data, py::none(), categories);
    }
    case ColumnType::kText:
    case ColumnType::kTags: {
      py::array data(py::dtype("object"), std::vector<py::ssize_t>{rows});
      auto** objects = static_cast<PyObject**>(data.mutable_data());
      std::string joined;
      for (RowIndex row = 0; row < rows; ++row) {
        PyObject* value = nullptr;
        if (column.type() == ColumnType::kTags) {
          joined.clear();
          for (const int32_t code : column.tags(row)) {
            if (!joined.empty()) joined.push_back(';');
            joined += column.dictionary().value(code);
          }
          value = PyUnicode_FromStringAndSize(joined.data(), static_cast<Py_ssize_t>(joined.size()));
        } else if (column.is_null(row)) {
          value = Py_NewRef(Py_None);
        } else {
          const std::string_view text = column.text(row);
          value = PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
        }
        if (value == nullptr) throw py::error_already_set();
        Py_XDECREF(objects[row]);
        objects[row] = value;
      }
      return py::make_tuple("object", data, py::none(), py::none());
    }
  }
  return py::make_tuple("object", py::none(), py::none(), py::none());
}

}  // namespace subsidy::python
