// Config bindings: one line per key gives its schema entry, its typed value, its check and its help.
#include <gtest/gtest.h>

#include "config/binding.h"
#include "support/helpers.h"

using namespace longconv;

namespace {

enum class Shape { Round, Square };
const EnumNames<Shape> kShapeNames = {{"round", Shape::Round}, {"square", Shape::Square}};

struct Inner {
  TORCH_ARG(double, width) = 0.5;
};

struct Outer {
  TORCH_ARG(int64_t, count) = 3;
  TORCH_ARG(std::optional<int64_t>, depth) = std::nullopt;
  TORCH_ARG(std::string, label) = "a";
  TORCH_ARG(bool, flag) = true;
  TORCH_ARG(std::vector<double>, factors) = std::vector<double>{1.0, 2.0};
  TORCH_ARG(Shape, shape) = Shape::Square;
  TORCH_ARG(Inner, inner);
  TORCH_ARG(int64_t, filled) = 0;
};

// The owner's rule: depth, when set, at most count.
void validate(const Outer& o) {
  check_option_rule(!o.depth() || *o.depth() <= o.count(), o.depth(), "Outer::depth", "expected <= count");
}
void validate(const Inner& o) { check_option(o.width(), in_open(0, 1), "Inner::width"); }

Bindings<Outer> bindings() {
  return Bindings<Outer>()
      .bind("count", &Outer::count, "how many", at_least(1))
      .bind("depth", &Outer::depth, "how deep")
      .bind("label", &Outer::label, "a name")
      .bind("flag", &Outer::flag, "a switch")
      .bind("factors", &Outer::factors, "scales")
      .bind("shape", &Outer::shape, kShapeNames, "the shape")
      .nest(&Outer::inner, Bindings<Inner>().bind("inner.width", &Inner::width, "a width").validate([](const Inner& o) {
        validate(o);
      }))
      .bind_from_data("filled", &Outer::filled, "from the data")
      .validate([](const Outer& o) { validate(o); });
}

Config parse(const std::vector<std::string>& overrides) {
  return Config::parse("sec:\n  count: 4\n", "test.yaml", overrides, [](const YAML::Node&) {
    Schema s;
    bindings().declare(s, "sec");
    return s;
  });
}

}  // namespace

TEST(Binding, DeclaresTypesDefaultsChoicesAndHelp) {
  Schema s;
  bindings().declare(s, "sec");
  EXPECT_EQ(s.find("sec.count")->type, ValueType::Int);
  EXPECT_EQ(s.find("sec.count")->default_value.Scalar(), "3");
  EXPECT_EQ(s.find("sec.count")->constraint, ">= 1");
  EXPECT_EQ(s.find("sec.count")->help, "how many");
  EXPECT_TRUE(s.find("sec.depth")->nullable);
  EXPECT_TRUE(s.find("sec.depth")->default_value.IsNull());
  EXPECT_EQ(s.find("sec.factors")->type, ValueType::FloatList);
  EXPECT_EQ(s.find("sec.shape")->choices, (std::vector<std::string>{"round", "square"}));
  EXPECT_EQ(s.find("sec.shape")->default_value.Scalar(), "square");
  EXPECT_EQ(s.find("sec.inner.width")->default_value.Scalar(), "0.5");
  EXPECT_TRUE(s.find("sec.filled")->nullable);
}

TEST(Binding, ParsesIntoTheOptionsWithEnumsAndNesting) {
  const Outer o = bindings().parse(parse({"sec.depth=2", "sec.label=b", "sec.flag=false", "sec.shape=round",
                                          "sec.inner.width=0.25", "sec.filled=7"}),
                                   "sec");
  EXPECT_EQ(o.count(), 4);  // from the file
  EXPECT_EQ(o.depth(), 2);
  EXPECT_EQ(o.label(), "b");
  EXPECT_FALSE(o.flag());
  EXPECT_EQ(o.factors(), (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(o.shape(), Shape::Round);
  EXPECT_DOUBLE_EQ(o.inner().width(), 0.25);
  EXPECT_EQ(o.filled(), 7);
}

TEST(Binding, ErrorsNameTheKeyAndWhereTheValueCameFrom) {
  const auto error = [](const std::vector<std::string>& overrides) {
    return test::error_of([&] { bindings().parse(parse(overrides), "sec"); });
  };
  // A binding's constraint, an owner's range and an owner's cross-field rule, each re-labelled with its key.
  EXPECT_EQ(error({"sec.filled=1", "sec.count=0"}), "override 'sec.count=0': key 'sec.count': expected >= 1, got 0");
  EXPECT_EQ(error({"sec.filled=1", "sec.inner.width=1.5"}),
            "override 'sec.inner.width=1.5': key 'sec.inner.width': expected in (0, 1), got 1.5");
  EXPECT_EQ(error({"sec.filled=1", "sec.depth=9"}), "override 'sec.depth=9': key 'sec.depth': expected <= count");
  // A value the dataset fills, left null.
  EXPECT_NE(error({}).find("key 'sec.filled' is null (training fills it from the dataset"), std::string::npos);
  // An enum's unknown name is refused by the schema with its choices.
  EXPECT_NE(error({"sec.shape=oval"}).find("key 'sec.shape': expected one of [round, square]"), std::string::npos);
}
