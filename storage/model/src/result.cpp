#include <skydive/model/clock.h>
#include <skydive/model/result.h>

#include <chrono>

namespace skydive::model {

std::string_view errorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidArgument: return "InvalidArgument";
        case ErrorCode::NotFound: return "NotFound";
        case ErrorCode::Unsupported: return "Unsupported";
        case ErrorCode::Timeout: return "Timeout";
        case ErrorCode::Unavailable: return "Unavailable";
        case ErrorCode::Conflict: return "Conflict";
        case ErrorCode::Corruption: return "Corruption";
        case ErrorCode::Internal: return "Internal";
    }
    return "Internal";
}

std::string Error::toString() const {
    std::string s(errorCodeName(code));
    s += ": ";
    s += message;
    if (position != 0) {
        s += " at column ";
        s += std::to_string(position);
    }
    return s;
}

Time SystemClock::now() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const SystemClock& SystemClock::instance() {
    static const SystemClock clock;
    return clock;
}

}  // namespace skydive::model
