// stl.cpp — C++ standard-library churn: std::string, std::vector, std::map, std::shared_ptr, all allocating
// inside libstdc++ templates instantiated in this file.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct Item {
    std::string name;
    std::vector<int> values;
    std::shared_ptr<Item> next;
};

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? std::atol(argv[1]) : 2000;
    unsigned long checksum = 0;
    for (long r = 0; r < rounds; r++) {
        std::map<std::string, std::shared_ptr<Item>> index;
        std::shared_ptr<Item> chain;
        for (int i = 0; i < 200; i++) {
            auto item = std::make_shared<Item>();
            item->name = "item-" + std::to_string(r) + "-" + std::to_string(i) + std::string(i % 40, 'x');
            for (int k = 0; k < i % 37; k++)
                item->values.push_back(k * i);
            item->next = chain;
            chain = item;
            index[item->name] = item;
        }
        for (auto &entry : index)
            checksum += entry.first.size() + entry.second->values.size();
        // Unlink iteratively so that destroying a long chain does not recurse.
        while (chain)
            chain = std::move(chain->next);
    }
    std::printf("checksum %lu\n", checksum);
    return 0;
}
