#pragma once

#include <string>

#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::gremlin::tools {

/// Checks a query outcome against a conformance expectation (`expect` object of a case, see
/// conformance/README.md). `body` is the JSON the query returned, or `error` when it failed.
/// Returns an empty string on success, else the reason of the mismatch.
std::string checkExpectation(const model::Value& expect, const model::Result<std::string>& body);

}  // namespace skydive::gremlin::tools
