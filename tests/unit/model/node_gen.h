#pragma once
// The random node generator and header check shared by the NodeRec and NodeHandle tests.

#include <skydive/model/element.h>

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

namespace skydive::model::test_gen {

// Random metadata: every value kind, strings short (inline tag), long (> 127 bytes) and
// multi-byte UTF-8, objects and lists nested down to `depth`. No NaN and no -0.0, whose
// equality differs between Value (IEEE) and records (bits); see DoublesCompareByBits.
class Gen {
public:
    explicit Gen(unsigned seed) : rng_(seed) {}

    std::string str() {
        static const char* kPieces[] = {"a", "Z",  "0", "-",  " ",    "\"", "\\",  "<",   "é",
                                        "ü", "中", "😀", "\n", "\x01", ".",  "eth", "veth"};
        std::size_t len = pick(4) == 0 ? 40 + pick(200) : pick(12);
        std::string s;
        for (std::size_t i = 0; i < len; ++i) s += kPieces[pick(std::size(kPieces))];
        return s;
    }

    Value value(int depth) {
        switch (pick(depth > 0 ? 9 : 7)) {
            case 0: return Value();
            case 1: return Value(pick(2) == 0);
            case 2: return Value(static_cast<long long>(rng_()));
            case 3: return Value(static_cast<long long>(pick(300)));
            case 4: {
                double d =
                    std::ldexp(static_cast<double>(pick(1000000) + 1), -static_cast<int>(pick(60)));
                return Value(pick(2) == 0 ? d : -d);
            }
            case 5:
            case 6: return Value(str());
            case 7: {
                List l;
                for (std::size_t i = pick(4); i > 0; --i) l.push_back(value(depth - 1));
                return Value(std::move(l));
            }
            default: return Value(object(depth - 1, pick(5)));
        }
    }

    Object object(int depth, std::size_t keys) {
        Object o;
        for (std::size_t i = 0; i < keys; ++i) o.set(pick(3) == 0 ? str() : key(), value(depth));
        return o;
    }

    Node node(int depth = 4) {
        Node n;
        n.id = pick(3) == 0 ? str() + "-id" : "6f1a2b3c-4d5e-4f60-8a9b-" + std::to_string(rng_());
        n.metadata = Value(object(depth, pick(12)));
        n.host = pick(5) == 0 ? "" : "host" + std::to_string(pick(3));
        n.origin = pick(7) == 0 ? std::string(200, 'o') : "agent.host" + std::to_string(pick(3));
        n.created_at = 1600000000000 + static_cast<Time>(pick(1000000));
        n.updated_at = n.created_at + static_cast<Time>(pick(3) == 0 ? 0 : pick(100000));
        n.deleted_at = pick(4) == 0 ? n.updated_at : 0;
        n.revision = static_cast<std::int64_t>(pick(1000));
        return n;
    }

    std::string key() {
        static const char* kKeys[] = {"Name",   "Type", "MAC",  "MTU",      "State",  "IfIndex",
                                      "Driver", "TID",  "IPV4", "Captures", "Neutron"};
        return kKeys[pick(std::size(kKeys))];
    }

    std::size_t pick(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }

private:
    std::mt19937_64 rng_;
};

// The header fields of `h` (a record or a handle) against the node it was made from.
template <typename H>
void expectHeaderOf(const H& h, const Node& n) {
    EXPECT_EQ(h.id(), n.id.view());
    EXPECT_EQ(h.host(), n.host.view());
    EXPECT_EQ(h.origin(), n.origin.view());
    EXPECT_EQ(h.createdAt(), n.created_at);
    EXPECT_EQ(h.updatedAt(), n.updated_at);
    EXPECT_EQ(h.deletedAt(), n.deleted_at);
    EXPECT_EQ(h.revision(), n.revision);
}

}  // namespace skydive::model::test_gen
