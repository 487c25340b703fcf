// ionspike-digits: unsupervised digit learning in the style of Diehl & Cook (2015).
//
// Protocol (Diehl & Cook 2015, Front Comput Neurosci 9:99), driving the network of
// examples/diehl_cook_digits.pbtxt (trace STDP) or examples/diehl_cook_digits_eis.pbtxt (EIS
// devices) through the library; the plastic projection is used through
// learning/plastic_input.hpp, so both kinds follow the same protocol:
//   training, for each image: normalise the incoming weights of every excitatory neuron to a
//   fixed sum; present the image for 350 ms as Poisson rates (pixel intensity in [0, 1] times
//   63.75 Hz times the intensity factor, starting at 1); if the excitatory layer fired fewer
//   than 5 spikes, rest and present it again with the factor raised by 1/2 (Diehl & Cook:
//   input_intensity 2 -> 3 -> ... on pixel/8 rates); then rest 150 ms without input.
//   Neurons are labelled by their mean response per class over the last `--label-images`
//   training presentations (learning on, as Diehl & Cook did).
//   test: learning off (STDP amplitudes 0 or EIS devices held; thresholds held), each test
//   image presented the same way; the class voted by the labelled neurons (learning/class_labelling.hpp) is the
//   prediction. --learning-off freezes the plastic synapses from the start (control runs).
// Outputs in --out: summary.json (accuracy, timings), training.csv (running accuracy of each
// block of training images, predicted with the labels of the previous block),
// confusion.csv, weights.npy (neurons x pixels, receptive fields), thetas.npy, labels.csv;
// tools/studies/plot_digits.py draws them (PNG).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/npy_writer.hpp"
#include "engine/simulator.hpp"
#include "learning/class_labelling.hpp"
#include "learning/datasets.hpp"
#include "learning/plastic_input.hpp"
#include "networks/input_error.hpp"
#include "networks/network_builder.hpp"
#include "networks/network_loader.hpp"
#include "neurons/lif_cond_exp_adaptive.hpp"
#include "neurons/spike_sources.hpp"

using namespace ionspike;

namespace {

struct Options {
  std::string network = "examples/diehl_cook_digits.pbtxt";
  std::string dataset = "digits";  // digits | fashion
  std::uint32_t neurons = 100;
  std::uint32_t epochs = 1;
  std::size_t train_limit = 0;  // 0: all
  std::size_t test_limit = 0;
  std::size_t label_images = 0;  // 0: the last epoch
  bool label_pass = false;       // label with the frozen network instead
  bool learning_off = false;     // plastic synapses frozen from the start (control runs)
  std::size_t block = 100;       // training accuracy block
  double test_fraction = 0.25;   // digits only (Fashion-MNIST has its own test set)
  double max_rate_Hz = 63.75;
  double weight_sum_nS = 0.0;    // 0: 0.1 nS x sqrt(784 x pixels) (Diehl & Cook: 78 for 784 pixels)
  double present_ms = 350.0, rest_ms = 150.0;
  std::uint32_t min_spikes = 5;
  double stdp_scale = 1.0;       // multiplies the STDP amplitudes of the network file
  double theta_plus_mV = -1.0;   // < 0: the network file's theta_plus_mV of 'exc'
  std::uint64_t seed = 1;
  std::string out = "out/digits";
  double check_min_accuracy = -1.0;  // exit 1 if the test accuracy is lower (tests)
  double check_max_accuracy = 2.0;   // exit 1 if it is higher (control runs in tests)
};

struct Presenter {
  Simulator& sim;
  std::uint32_t input, exc;
  const Options& o;
  std::size_t spike_cursor = 0;
  std::vector<std::uint32_t> counts;

  void set_rates(std::span<const float> image, double factor) {
    std::vector<double> rates(image.size());
    for (std::size_t i = 0; i < image.size(); ++i) rates[i] = image[i] * o.max_rate_Hz * factor;
    sim.modify_population(input, [&](NeuronPopulation& pop, EventContext& ctx, double now) {
      dynamic_cast<PoissonSourcePopulation&>(pop).set_rates(rates, now, ctx);
    });
  }
  void run_for(double ms) { sim.run_until(sim.time_ms() + ms); }
  // Presents an image (raising the intensity until the layer responds), then rests; returns
  // the spike counts of the excitatory neurons during the successful presentation.
  const std::vector<std::uint32_t>& present(std::span<const float> image) {
    const auto& spikes = sim.network().spike_recorders.at(0).spikes();
    for (double factor = 1.0;; factor += 0.5) {
      set_rates(image, factor);
      spike_cursor = spikes.size();
      run_for(o.present_ms);
      counts.assign(sim.network().populations[exc]->size(), 0);
      std::uint32_t total = 0;
      for (std::size_t i = spike_cursor; i < spikes.size(); ++i)
        if (spikes[i].population == exc) ++counts[spikes[i].neuron], ++total;
      set_rates(std::vector<float>(image.size(), 0.0f), 0.0);
      run_for(o.rest_ms);
      if (total >= o.min_spikes || factor >= 16.0) break;
    }
    return counts;
  }
};

std::string eta(double done, double total, double elapsed_s) {
  if (done <= 0) return "?";
  const double left = elapsed_s * (total - done) / done;
  return fmt::format("{:.0f} min {:02.0f} s", std::floor(left / 60), std::fmod(left, 60.0));
}

int run(const Options& o) {
  using clock = std::chrono::steady_clock;
  const auto t_begin = clock::now();
  ImageDataset train, test;
  if (o.dataset == "digits") {
    TrainTestSplit split = split_train_test(load_sklearn_digits(), o.test_fraction, o.seed);
    train = std::move(split.train);
    test = std::move(split.test);
  } else if (o.dataset == "fashion") {
    train = load_fashion_mnist(true);
    test = load_fashion_mnist(false);
  } else {
    throw std::invalid_argument("--dataset must be digits or fashion, got " + o.dataset);
  }
  const auto limit = [](ImageDataset d, std::size_t n) {
    if (n == 0 || n >= d.size()) return d;
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    return subset(d, idx, d.name);
  };
  train = limit(std::move(train), o.train_limit);
  test = limit(std::move(test), o.test_limit);
  const auto pixels = static_cast<std::uint32_t>(train.pixels_per_image());

  LoadedNetwork loaded = load_network_file(o.network);
  for (auto& p : *loaded.message.mutable_populations()) {
    if (p.name() == "input") p.set_size(pixels);
    if (p.name() == "exc" || p.name() == "inh") p.set_size(o.neurons);
    if (p.name() == "exc" && o.theta_plus_mV >= 0) {
      if (!p.has_lif_cond_exp_adaptive())
        throw std::invalid_argument(o.network + ": --theta-plus needs 'exc' to be lif_cond_exp_adaptive");
      p.mutable_lif_cond_exp_adaptive()->set_theta_plus_mv(o.theta_plus_mV);
    }
  }
  loaded.message.mutable_simulation()->set_seed(o.seed);
  loaded.message.mutable_simulation()->set_t_stop_ms(1e12);
  Simulator sim(build_network(loaded));
  RuntimeNetwork& net = sim.network();
  const std::uint32_t input = net.population_id("input"), exc = net.population_id("exc");
  auto& exc_pop = dynamic_cast<LifCondExpAdaptivePopulation&>(*net.populations[exc]);
  const std::unique_ptr<PlasticInput> plastic = find_plastic_input(sim, exc, o.stdp_scale, o.network);
  if (plastic->source_count() != pixels)
    throw std::invalid_argument(o.network + ": the plastic projection onto 'exc' must come from 'input'");
  // Diehl & Cook normalise to 78 for 784 pixels (0.1 per input). With fewer pixels the
  // input is sparser; the default budget keeps the mean drive per image comparable.
  const double weight_sum = o.weight_sum_nS > 0 ? o.weight_sum_nS : 0.1 * pixels * std::sqrt(784.0 / pixels);
  if (!(weight_sum >= pixels * plastic->min_weight() && weight_sum <= pixels * plastic->max_weight()))
    throw std::invalid_argument(fmt::format("--weight-sum: must be in [{}, {}] nS for {} inputs of {}, got {}",
                                            pixels * plastic->min_weight(), pixels * plastic->max_weight(), pixels,
                                            plastic->describe(), weight_sum));
  Presenter presenter{sim, input, exc, o, 0, {}};
  if (o.learning_off) {
    plastic->normalise(weight_sum);
    plastic->freeze();
  }

  std::filesystem::create_directories(o.out);
  std::ofstream training_csv(std::filesystem::path(o.out) / "training.csv");
  training_csv << "images_seen,block_accuracy,mean_spikes_per_image\n";
  const std::size_t label_images = o.label_images > 0 ? o.label_images : train.size();
  ResponseTable block_responses(o.neurons, train.classes), label_responses(o.neurons, train.classes);
  std::vector<std::int32_t> block_labels(o.neurons, kNoLabel);
  std::size_t block_correct = 0, block_seen = 0, seen = 0;
  double block_spikes = 0;
  const std::size_t total_images = train.size() * o.epochs;
  const auto t_train = clock::now();
  for (std::uint32_t epoch = 0; epoch < o.epochs; ++epoch) {
    for (std::size_t i = 0; i < train.size(); ++i, ++seen) {
      if (!o.learning_off) plastic->normalise(weight_sum);
      const auto& counts = presenter.present(train.image(i));
      const std::uint32_t label = train.labels[i];
      block_correct += classify(counts, block_labels, train.classes) == static_cast<std::int32_t>(label);
      block_spikes += std::accumulate(counts.begin(), counts.end(), 0.0);
      block_responses.add(counts, label);
      if (seen + label_images >= total_images) label_responses.add(counts, label);
      if (++block_seen == o.block || i + 1 == train.size()) {
        training_csv << fmt::format("{},{:.4f},{:.2f}\n", seen + 1, double(block_correct) / block_seen,
                                    block_spikes / block_seen);
        training_csv.flush();
        block_labels = block_responses.assign_labels();
        block_responses.clear();
        const double elapsed = std::chrono::duration<double>(clock::now() - t_train).count();
        std::fprintf(stderr, "\rtraining: epoch %u/%u, image %zu/%zu, block accuracy %.3f, ETA %s      ",
                     epoch + 1, o.epochs, seen + 1, total_images, double(block_correct) / block_seen,
                     eta(double(seen + 1), double(total_images), elapsed).c_str());
        block_correct = block_seen = 0;
        block_spikes = 0;
      }
    }
  }
  std::fprintf(stderr, "\n");
  const double train_s = std::chrono::duration<double>(clock::now() - t_train).count();

  // Learning off from here on.
  if (!o.learning_off) {
    plastic->normalise(weight_sum);
    plastic->freeze();
  }
  exc_pop.set_adaptation(ThetaAdaptation::Held);
  // Labels: from the responses during the last training presentations (Diehl & Cook), or
  // from a pass over the training images with the final, frozen network (--label-pass).
  const auto t_label = clock::now();
  if (o.label_pass) {
    label_responses.clear();
    for (std::size_t i = 0; i < train.size(); ++i) {
      label_responses.add(presenter.present(train.image(i)), train.labels[i]);
      if ((i + 1) % 100 == 0 || i + 1 == train.size())
        std::fprintf(stderr, "\rlabelling: image %zu/%zu      ", i + 1, train.size());
    }
    std::fprintf(stderr, "\n");
  }
  const double label_s = std::chrono::duration<double>(clock::now() - t_label).count();
  const std::vector<std::int32_t> labels = label_responses.assign_labels();

  // Test phase.
  std::vector<std::uint32_t> confusion(train.classes * train.classes, 0);
  std::size_t correct = 0, unanswered = 0;
  const auto t_test = clock::now();
  for (std::size_t i = 0; i < test.size(); ++i) {
    const auto& counts = presenter.present(test.image(i));
    const std::int32_t guess = classify(counts, labels, train.classes);
    correct += guess == static_cast<std::int32_t>(test.labels[i]);
    if (guess == kNoLabel)
      ++unanswered;
    else
      ++confusion[test.labels[i] * train.classes + static_cast<std::uint32_t>(guess)];
    if ((i + 1) % 50 == 0 || i + 1 == test.size())
      std::fprintf(stderr, "\rtest: image %zu/%zu, accuracy so far %.3f      ", i + 1, test.size(),
                   double(correct) / double(i + 1));
  }
  std::fprintf(stderr, "\n");
  const double test_s = std::chrono::duration<double>(clock::now() - t_test).count();
  const double accuracy = test.size() ? double(correct) / double(test.size()) : 0.0;

  // Receptive fields (weights as neurons x pixels), thresholds, labels, confusion, summary.
  const std::vector<double> fields = plastic->weight_matrix();
  write_npy_matrix(std::filesystem::path(o.out) / "weights.npy", fields.data(), o.neurons, pixels);
  const std::vector<double> thetas = exc_pop.thetas_mV();
  write_npy_matrix(std::filesystem::path(o.out) / "thetas.npy", thetas.data(), o.neurons, 1);
  {
    AtomicFile f(std::filesystem::path(o.out) / "labels.csv");
    f.stream() << "neuron,label\n";
    for (std::uint32_t n = 0; n < o.neurons; ++n) f.stream() << n << "," << labels[n] << "\n";
    f.commit();
  }
  {
    AtomicFile f(std::filesystem::path(o.out) / "confusion.csv");
    f.stream() << "true_class";
    for (std::uint32_t c = 0; c < train.classes; ++c) f.stream() << ",predicted_" << c;
    f.stream() << "\n";
    for (std::uint32_t t = 0; t < train.classes; ++t) {
      f.stream() << t;
      for (std::uint32_t c = 0; c < train.classes; ++c) f.stream() << "," << confusion[t * train.classes + c];
      f.stream() << "\n";
    }
    f.commit();
  }
  const double total_s = std::chrono::duration<double>(clock::now() - t_begin).count();
  const std::string summary = fmt::format(
      "{{\n  \"dataset\": \"{}\",\n  \"rows\": {},\n  \"cols\": {},\n  \"train_images\": {},\n  \"test_images\": {},\n"
      "  \"epochs\": {},\n  \"neurons\": {},\n  \"seed\": {},\n  \"weight_sum_nS\": {:.6g},\n  \"label_pass\": {},\n"
      "  \"labelled_neurons\": {},\n  \"test_accuracy\": {:.6f},\n  \"test_unanswered\": {},\n"
      "  \"simulated_s\": {:.3f},\n  \"train_wall_s\": {:.3f},\n  \"label_wall_s\": {:.3f},\n  \"test_wall_s\": {:.3f},\n  \"total_wall_s\": {:.3f},\n"
      "  \"train_wall_s_per_image\": {:.5f}\n}}\n",
      train.name, train.rows, train.cols, train.size(), test.size(), o.epochs, o.neurons, o.seed, weight_sum,
      o.label_pass,
      std::count_if(labels.begin(), labels.end(), [](std::int32_t l) { return l != kNoLabel; }), accuracy, unanswered,
      sim.time_ms() * 1e-3, train_s, label_s, test_s, total_s, train_s / std::max<double>(1.0, double(total_images)));
  {
    AtomicFile f(std::filesystem::path(o.out) / "summary.json");
    f.stream() << summary;
    f.commit();
  }
  std::cout << fmt::format("{}: {} neurons, {} epoch(s) on {} images, test accuracy {:.2f} % on {} images "
                           "(train {:.1f} s, {:.1f} ms per image; test {:.1f} s)\n",
                           train.name, o.neurons, o.epochs, train.size(), 100.0 * accuracy, test.size(), train_s,
                           1e3 * train_s / std::max<double>(1.0, double(total_images)), test_s);
  std::cout << "outputs in " << o.out << "/: summary.json training.csv confusion.csv labels.csv weights.npy thetas.npy\n";
  if (accuracy < o.check_min_accuracy || accuracy > o.check_max_accuracy) {
    std::cout << fmt::format("CHECK FAILED: test accuracy {:.4f} outside [{}, {}]\n", accuracy, o.check_min_accuracy,
                             o.check_max_accuracy);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Unsupervised digit learning (Diehl & Cook 2015) with ionspike"};
  app.add_option("--network", o.network, "network file (populations input, exc, inh; one STDP projection)")
      ->capture_default_str();
  app.add_option("--dataset", o.dataset, "digits (scikit-learn 8x8) or fashion (Fashion-MNIST 28x28)")
      ->check(CLI::IsMember({"digits", "fashion"}))
      ->capture_default_str();
  app.add_option("--neurons", o.neurons, "excitatory (and inhibitory) neurons")->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  app.add_option("--epochs", o.epochs, "passes over the training images")->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  app.add_option("--train-limit", o.train_limit, "use only the first N training images (0: all)");
  app.add_option("--test-limit", o.test_limit, "use only the first N test images (0: all)");
  app.add_option("--label-images", o.label_images, "label neurons on the last N training presentations (0: last epoch)");
  app.add_flag("--label-pass", o.label_pass, "label neurons in an extra pass over the training images, learning off");
  app.add_flag("--learning-off", o.learning_off,
               "freeze the plastic synapses from the start (control; thresholds still adapt)");
  app.add_option("--block", o.block, "images per block of the training accuracy")->check(CLI::Range(1ul, 1000000ul))
      ->capture_default_str();
  app.add_option("--test-fraction", o.test_fraction, "held-out part of the 8x8 digits")->check(CLI::Range(0.01, 0.99))
      ->capture_default_str();
  app.add_option("--max-rate", o.max_rate_Hz, "input rate of a full-intensity pixel, Hz")->check(CLI::Range(0.1, 10000.0))
      ->capture_default_str();
  app.add_option("--weight-sum", o.weight_sum_nS, "sum of each neuron's input weights, nS (0: 0.1 x sqrt(784 x pixels))")
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--stdp-scale", o.stdp_scale, "multiplies the STDP amplitudes of the network file")
      ->check(CLI::Range(0.0, 1000.0))->capture_default_str();
  app.add_option("--theta-plus", o.theta_plus_mV, "threshold increase per spike of 'exc', mV (default: the network file's)")
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--seed", o.seed, "seed (network streams and the train/test split)")->capture_default_str();
  app.add_option("--out", o.out, "output directory")->capture_default_str();
  app.add_option("--check-min-accuracy", o.check_min_accuracy, "exit 1 if the test accuracy is below (0..1)");
  app.add_option("--check-max-accuracy", o.check_max_accuracy, "exit 1 if the test accuracy is above (0..1)");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ionspike-digits: error: " << e.what() << "\n";
    return 1;
  }
}
