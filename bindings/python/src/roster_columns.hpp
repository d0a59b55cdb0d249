// Rosters from the columns of a pandas DataFrame (as numpy arrays) and back.
//
// The pure-Python layer (subsidy/_roster.py) looks at each column's dtype and hands over one of
// the kinds below; the conversion of every cell happens here, in one pass per column.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "subsidy/roster.hpp"

namespace subsidy::python {

// One column as handed over by the Python layer.
//   kind "int64":       data int64[n], mask bool[n] or None (True: null). Money in fen, integers,
//                       bools as 0/1.
//   kind "float64":     data float64[n], NaN null. Money in yuan: the shortest decimal that reads
//                       back as the same float (what Python prints), rounded half away from zero to
//                       the fen; integers must be whole; rates read from that decimal.
//   kind "categorical": data int32[n] codes (-1 null), categories list[str].
//   kind "days":        data int64[n] days since 1970-01-01, mask bool[n] or None.
//   kind "bool":        data bool[n], mask or None.
//   kind "object":      data object[n]: str, int, decimal.Decimal, datetime.date, list/tuple/set of
//                       str (tags), None/NaN/pd.NA null; each cell is read as its text the way a CSV
//                       cell of that column would be (money as yuan: "12.34", "50万").
struct ColumnInput {
  std::string name;
  std::string type;  // "text", "string", "money", "integer", "rate", "bool", "date", "tags"
  std::string kind;
  pybind11::array data;
  pybind11::object mask;        // None or a bool array
  pybind11::object categories;  // kind "categorical": a list of str
};

// Builds a roster, checking what the CSV loader checks (an id column of non-empty unique ids, no
// column called size) and adding the size column. Errors name the column and the 0-based row:
//   column tax_paid, row 17: amount 12.345 is finer than a fen
Result<Roster> roster_from_columns(std::vector<ColumnInput> columns);

// Exactly: the fen nearest to the shortest decimal form of `yuan` (ties away from zero); an error
// for a non-finite value or one past int64 fen.
Result<int64_t> fen_of_float_yuan(double yuan);

// A roster column as Python values for a DataFrame: (kind, data, mask, categories) with the kinds
// above ("int64" for money in fen, integers, rates in 10^-9, bools; "categorical" for strings; "days"
// for dates; "object" for text and tags (tags as ';'-joined text)).
pybind11::tuple column_to_python(const Column& column);

}  // namespace subsidy::python
